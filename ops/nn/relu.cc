// Relu: TF's max(x, 0) (tf.nn.relu) in float64: the converter leaves
// CUSTOM "Relu" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). NaN propagates (TF's cwiseMax<PropagateNaN>).
#include "../math/cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double>(ctx, 1, [](double x) { return x != x ? x : (x > 0.0 ? x : 0.0); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("max(x, 0), NaN propagating (tf.nn.relu).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
