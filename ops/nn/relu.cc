// Relu: TF's max(x, 0) (tf.nn.relu) in float64, half and bfloat16: the converter leaves
// CUSTOM "Relu" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). NaN propagates (TF's cwiseMax<PropagateNaN>).
#include "../math/cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  // Exact on every value: half and bfloat16 take float blocks.
  return math::UnaryOneStep<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x) {
    using T = decltype(x);
    return x != x ? x : (x > T(0) ? x : T(0));
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("max(x, 0), NaN propagating (tf.nn.relu).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
