// Softplus: TF's log(exp(x) + 1) (tf.math.softplus) in float64, half and bfloat16: the converter
// leaves CUSTOM "Softplus" {T} for those dtypes, which TFLite's builtins lack
// (measured by tools/census_float64.py). TF's functor, term for term: with
// threshold = log(epsilon) + 2, x > -threshold gives x, x < threshold gives
// exp(x), and between them log1p(exp(x)).
#include "../math/elementwise.h"

namespace opbridge {
namespace {

// The formula: math::packet_exprs::Softplus (also built for AVX2).
Status Kernel(KernelContext& ctx) { return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 10, math::packet_exprs::Softplus{}); }

OPBRIDGE_REGISTER_OP(OpSpec("Softplus")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("log(exp(x) + 1), elementwise, TF's thresholds (tf.math.softplus).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
