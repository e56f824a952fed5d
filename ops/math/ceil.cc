// Ceil: TF's ceiling (tf.math.ceil) in float64, half and bfloat16: the converter leaves
// CUSTOM "Ceil" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](const auto& x) { return x.ceil(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Ceil")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Smallest integer >= x, elementwise (tf.math.ceil).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
