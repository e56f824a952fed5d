// Relu6: TF's min(max(x, 0), 6) (tf.nn.relu6) in every real dtype TF's CPU kernel takes:
// the converter leaves CUSTOM "Relu6" {T} for those TFLite's builtins lack (float64,
// half, bfloat16, the integers; measured). NaN propagates (TF's cwiseMax/cwiseMin<PropagateNaN>).
#include <type_traits>

#include "../math/cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  // Exact on every value: half and bfloat16 take float blocks.
  return math::UnaryOneStep<double, Eigen::half, Eigen::bfloat16, float, int8_t, int16_t, int32_t, int64_t, uint8_t,
                             uint16_t, uint32_t, uint64_t>(ctx, 1, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      return x > T(0) ? (x < T(6) ? x : T(6)) : T(0);
    } else {
      return x != x ? x : (x > T(0) ? (x < T(6) ? x : T(6)) : T(0));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu6")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("min(max(x, 0), 6), NaN propagating (tf.nn.relu6).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
