// Softplus: TF's log(exp(x) + 1) (tf.math.softplus) in float64: the converter
// leaves CUSTOM "Softplus" {T} for double, which TFLite's builtins lack
// (measured by tools/census_float64.py). TF's functor, term for term: with
// threshold = log(epsilon) + 2, x > -threshold gives x, x < threshold gives
// exp(x), and between them log1p(exp(x)).
#include <cmath>
#include <limits>

#include "../math/elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const double threshold = std::log(std::numeric_limits<double>::epsilon()) + 2.0;
  return math::UnaryElementwise<double>(ctx, 10, [threshold](const auto& x) {
    const auto e = x.exp();
    return (x > -threshold).select(x, (x < threshold).select(e, e.log1p()));
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Softplus")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("log(exp(x) + 1), elementwise, TF's thresholds (tf.math.softplus).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
