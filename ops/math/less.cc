// Less: TF's x < y (tf.math.less) in float64, half and bfloat16: the converter leaves
// CUSTOM "Less" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Bool output; NaN compares false.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x, auto y) { return x < y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("Less")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x < y with broadcasting (tf.math.less).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: bool")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
