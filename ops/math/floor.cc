// Floor: TF's floor (tf.math.floor) in float64, half and bfloat16: the converter leaves
// CUSTOM "Floor" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](const auto& x) { return x.floor(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Floor")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Largest integer <= x, elementwise (tf.math.floor).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
