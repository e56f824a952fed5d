// ReciprocalGrad: the gradient of 1/x (tf.math.reciprocal) from its output y,
// CUSTOM "ReciprocalGrad" {T} for float32, float64 and half.
//
// z = dy == 0 ? 0 : -(y * y) * dy as TF's functor: a zero dy gives +0 even
// where y is NaN or infinite (y conjugated for complex types). For real types
// its packet and scalar paths agree; complex64/complex128 products differ by
// path in how they treat infinities (complex_grad.h).
#include "../nn/binary_grad.h"
#include "complex_grad.h"

namespace opbridge {
namespace {

template <typename C>
Status ComplexReciprocalGrad(KernelContext& ctx) {
  return nn::BinaryByPosition<C>(
      ctx, 8,
      [](C y, C dy) {
        if (dy == C(0)) return C(0);
        const C c = std::conj(y);
        return math::PacketMul(-math::PacketMul(c, c), dy);
      },
      [](C y, C dy) {
        if (dy == C(0)) return C(0);
        const C c = std::conj(y);
        return -c * c * dy;
      });
}

Status ReciprocalGradKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kComplex64) return ComplexReciprocalGrad<std::complex<float>>(ctx);
  if (ctx.input(0).dtype() == DType::kComplex128) return ComplexReciprocalGrad<std::complex<double>>(ctx);
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // The same formula on both paths; on blocks (binary_grad.h) the products come before the
    // select on packets (a per-element branch mispredicts on zeros in dy).
    const auto scalar = [](T y, T dy) {
      if (dy == T(0)) return T(0);
      return static_cast<T>(static_cast<T>(-static_cast<T>(y * y)) * dy);
    };
    const auto block = [](const auto* y, const auto* dy, auto* out, auto*, int64_t m, auto round) {
      for (int64_t j = 0; j < m; ++j) out[j] = y[j] * y[j];
      round(out);  // -(y * y) is then exact
      for (int64_t j = 0; j < m; ++j) out[j] = -out[j] * dy[j];
      nn::ZeroWhereZero(dy, out, out, m);
    };
    return nn::BinaryByPositionBlocks<T>(ctx, 2, block, scalar);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ReciprocalGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Reciprocal from its output: dy == 0 ? 0 : -y^2 * dy.")
                         .Input("y: T")
                         .Input("dy: T")
                         .Output("z: T")
                         .Attr("T: {bfloat16, half, float, double, complex64, complex128}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(ReciprocalGradKernel));

}  // namespace
}  // namespace opbridge
