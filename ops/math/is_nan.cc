// IsNan: TF's x is NaN (tf.math.is_nan) in float64, half and bfloat16: the converter leaves
// CUSTOM "IsNan" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Bool output.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x) { return x != x; });
}

OPBRIDGE_REGISTER_OP(OpSpec("IsNan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether x is NaN (tf.math.is_nan).")
                         .Input("x: T")
                         .Output("y: bool")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
