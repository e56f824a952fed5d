// Relu6: TF's min(max(x, 0), 6) (tf.nn.relu6) in float64, half and bfloat16: the converter leaves
// CUSTOM "Relu6" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). NaN propagates (TF's cwiseMax/cwiseMin<PropagateNaN>).
#include "../math/cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  // Exact on every value: half and bfloat16 take float blocks.
  return math::UnaryOneStep<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x) {
    using T = decltype(x);
    return x != x ? x : (x > T(0) ? (x < T(6) ? x : T(6)) : T(0));
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu6")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("min(max(x, 0), 6), NaN propagating (tf.nn.relu6).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
