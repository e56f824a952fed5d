// RsqrtGrad: the gradient of rsqrt from its output y. float32 lowers to
// builtins; float64 and half stay CUSTOM "RsqrtGrad" {T}.
//
// TF's functor has two paths that multiply in different orders
// (binary_grad.h): packets compute a = dy == 0 ? 0 : y * dy, then
// a == 0 ? 0 : (-0.5 * (y * y)) * a; the scalar tail
// dy == 0 ? 0 : (-0.5 * (dy * y)) * (y * y). Zeros are +0.
#include "../nn/binary_grad.h"

namespace opbridge {
namespace {

template <typename T>
T PacketRsqrtGrad(T y, T dy) {
  const T a = dy == T(0) ? T(0) : static_cast<T>(y * dy);
  if (a == T(0)) return T(0);
  return static_cast<T>(static_cast<T>(T(-0.5) * static_cast<T>(y * y)) * a);
}

template <typename T>
T ScalarRsqrtGrad(T y, T dy) {
  if (dy == T(0)) return T(0);
  return static_cast<T>(static_cast<T>(T(-0.5) * static_cast<T>(dy * y)) * static_cast<T>(y * y));
}

Status RsqrtGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::BinaryByPosition<T>(ctx, 3, PacketRsqrtGrad<T>, ScalarRsqrtGrad<T>);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("RsqrtGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Rsqrt from its output: dy == 0 ? 0 : -0.5 * y^3 * dy.")
                         .Input("y: T")
                         .Input("dy: T")
                         .Output("z: T")
                         .Attr("T: {bfloat16, half, float, double}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(RsqrtGradKernel));

}  // namespace
}  // namespace opbridge
