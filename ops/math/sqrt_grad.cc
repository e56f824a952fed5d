// SqrtGrad: the gradient of sqrt from its output y. float32 lowers to
// builtins; float64 and half stay CUSTOM "SqrtGrad" {T}.
//
// TF's functor has two paths that round differently (binary_grad.h): packets
// compute dy == 0 ? 0 : (0.5 / y) * dy, the scalar tail dy == 0 ? 0 :
// (0.5 * dy) / y. Zeros are +0.
#include "../nn/binary_grad.h"

namespace opbridge {
namespace {

template <typename T>
T PacketSqrtGrad(T y, T dy) {
  if (dy == T(0)) return T(0);
  return static_cast<T>(static_cast<T>(T(0.5) / y) * dy);
}

template <typename T>
T ScalarSqrtGrad(T y, T dy) {
  if (dy == T(0)) return T(0);
  return static_cast<T>(static_cast<T>(T(0.5) * dy) / y);
}

Status SqrtGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::BinaryByPosition<T>(ctx, 3, PacketSqrtGrad<T>, ScalarSqrtGrad<T>);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SqrtGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Sqrt from its output: dy == 0 ? 0 : 0.5 * dy / y.")
                         .Input("y: T")
                         .Input("dy: T")
                         .Output("z: T")
                         .Attr("T: {bfloat16, half, float, double}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(SqrtGradKernel));

}  // namespace
}  // namespace opbridge
