// Invert: TF's elementwise bitwise NOT (tf.bitwise.invert, ~x). TFLite has no
// builtin for it: the converter emits CUSTOM "Invert" {T} for every integer
// dtype.
#include "bitwise.h"

namespace opbridge {
namespace {

Status InvertKernel(KernelContext& ctx) {
  return math::UnaryElementwise<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      ctx, 1, [](const auto& x) {
        using T = typename std::decay_t<decltype(x)>::Scalar;
        return x.unaryExpr([](T v) { return static_cast<T>(~v); });
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("Invert")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise bitwise NOT of integers (tf.bitwise.invert).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(InvertKernel));

}  // namespace
}  // namespace opbridge
