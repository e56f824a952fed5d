// Relu6: TF's min(max(x, 0), 6) (tf.nn.relu6) in float64: the converter leaves
// CUSTOM "Relu6" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). NaN propagates (TF's cwiseMax/cwiseMin<PropagateNaN>).
#include "../math/cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double>(ctx, 1, [](double x) { return x != x ? x : (x > 0.0 ? (x < 6.0 ? x : 6.0) : 0.0); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu6")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("min(max(x, 0), 6), NaN propagating (tf.nn.relu6).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
