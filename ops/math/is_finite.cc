// IsFinite: TF's x is finite (tf.math.is_finite) in float64: the converter leaves
// CUSTOM "IsFinite" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). Bool output.
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double>(ctx, 1, [](double x) { return std::isfinite(x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("IsFinite")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether x is finite (tf.math.is_finite).")
                         .Input("x: T")
                         .Output("y: bool")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
