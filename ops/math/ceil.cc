// Ceil: TF's ceiling (tf.math.ceil) in float64: the converter leaves
// CUSTOM "Ceil" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double>(ctx, 1, [](const auto& x) { return x.ceil(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Ceil")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Smallest integer >= x, elementwise (tf.math.ceil).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
