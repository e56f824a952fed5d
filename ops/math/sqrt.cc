// Sqrt: TF's square root (tf.math.sqrt) in float64, half and bfloat16: the converter leaves
// CUSTOM "Sqrt" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Correctly rounded, as TF's.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 2, [](const auto& x) { return x.sqrt(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Sqrt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Square root, elementwise (tf.math.sqrt).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
