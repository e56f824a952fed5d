// Elu: TF's exponential linear unit (tf.nn.elu) in float64, half and bfloat16: the converter leaves
// CUSTOM "Elu" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's formula: x < 0 ? exp(x) - 1 : x
// (exp(x) - 1, not expm1, so small negative x match TF bit for bit).
#include "../math/elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 5, math::packet_exprs::Elu{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Elu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x < 0 ? exp(x) - 1 : x, elementwise (tf.nn.elu).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
