// Relu: TF's max(x, 0) (tf.nn.relu) in every real dtype TF's CPU kernel takes: the
// converter leaves CUSTOM "Relu" {T} for those TFLite's builtins lack (float64, half,
// bfloat16, the integers but int32; measured). NaN propagates (TF's cwiseMax<PropagateNaN>).
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
      return x > T(0) ? x : T(0);
    } else {
      return x != x ? x : (x > T(0) ? x : T(0));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("max(x, 0), NaN propagating (tf.nn.relu).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
