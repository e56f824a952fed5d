// TanhGrad: the gradient of tanh from its output y. float32 lowers to
// builtins; float64 and half stay CUSTOM "TanhGrad" {T}.
//
// z = dy * (1 - y * y), each step rounded to T: for real types TF's packet
// and scalar paths compute the same products. complex64/complex128 (also left
// custom) differ by path in how a product treats infinities (complex_grad.h).
#include "../nn/binary_grad.h"
#include "complex_grad.h"

namespace opbridge {
namespace {

template <typename C>
Status ComplexTanhGrad(KernelContext& ctx) {
  const C one(1);
  return nn::BinaryByPosition<C>(
      ctx, 8, [&](C y, C dy) { return math::PacketMul(dy, one - math::PacketMul(y, y)); },
      [&](C y, C dy) { return dy * (one - y * y); });
}

Status TanhGradKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kComplex64) return ComplexTanhGrad<std::complex<float>>(ctx);
  if (ctx.input(0).dtype() == DType::kComplex128) return ComplexTanhGrad<std::complex<double>>(ctx);
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::Binary<T>(ctx, 2, [](T y, T dy) { return static_cast<T>(dy * static_cast<T>(T(1) - static_cast<T>(y * y))); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("TanhGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Tanh from its output: dy * (1 - y^2).")
                         .Input("y: T")
                         .Input("dy: T")
                         .Output("z: T")
                         .Attr("T: {bfloat16, half, float, double, complex64, complex128}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(TanhGradKernel));

}  // namespace
}  // namespace opbridge
