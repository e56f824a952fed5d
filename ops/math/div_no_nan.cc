// DivNoNan: TF's x / y, 0 where y is 0 (tf.math.divide_no_nan) in float64, half and bfloat16: the converter leaves
// CUSTOM "DivNoNan" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's no_nan_op: 0 where y == 0 (even 0 / 0).
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 2, [](auto x, auto y) {
    using T = decltype(x);
    return y != T(0) ? x / y : T(0);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DivNoNan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, 0 where y == 0, with broadcasting (tf.math.divide_no_nan).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
