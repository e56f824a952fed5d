// IsFinite: TF's x is finite (tf.math.is_finite) in float64, half and bfloat16: the converter leaves
// CUSTOM "IsFinite" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Bool output.
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x) { return std::isfinite(static_cast<double>(x)); });
}

OPBRIDGE_REGISTER_OP(OpSpec("IsFinite")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether x is finite (tf.math.is_finite).")
                         .Input("x: T")
                         .Output("y: bool")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
