// SquaredDifference: TF's (x - y)^2 (tf.math.squared_difference) in float64, half and bfloat16: the converter leaves
// CUSTOM "SquaredDifference" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact: (x - y) * (x - y) as TF's.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x, auto y) {
    const decltype(x) d = x - y;  // rounded to T, as TF
    return decltype(x)(d * d);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SquaredDifference")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("(x - y)^2 with broadcasting (tf.math.squared_difference).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
