// Rint: TF's round to nearest, halves to even (tf.math.rint) in float64: the converter leaves
// CUSTOM "Rint" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double>(ctx, 1, [](const auto& x) { return x.rint(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Rint")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Round to the nearest integer, halves to even (tf.math.rint).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
