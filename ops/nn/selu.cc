// Selu: TF's scaled exponential linear unit (tf.nn.selu) in float64, half and bfloat16: the converter leaves
// CUSTOM "Selu" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's constants and formula:
// x < 0 ? scale_alpha * (exp(x) - 1) : scale * x.
#include "../math/elementwise.h"

namespace opbridge {
namespace {

// The formula and TF's constants: math::packet_exprs::Selu (also built for AVX2).
Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 5, math::packet_exprs::Selu{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Selu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x < 0 ? scale * alpha * (exp(x) - 1) : scale * x, elementwise (tf.nn.selu).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
