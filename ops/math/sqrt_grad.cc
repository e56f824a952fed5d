// SqrtGrad: the gradient of sqrt from its output y. float32 lowers to
// builtins; float64 and half stay CUSTOM "SqrtGrad" {T}.
//
// TF's functor has two paths that round differently (binary_grad.h): packets
// compute dy == 0 ? 0 : (0.5 / y) * dy, the scalar tail dy == 0 ? 0 :
// (0.5 * dy) / y. Zeros are +0.
#include "../nn/binary_grad.h"

namespace opbridge {
namespace {

// TF's packet path on a block (binary_grad.h, BinaryByPositionBlocks): every quotient and
// product, then the select on packets.
constexpr auto kPacketSqrtGrad = [](const auto* y, const auto* dy, auto* out, auto*, int64_t m, auto round) {
  for (int64_t j = 0; j < m; ++j) out[j] = 0.5f / y[j];
  round(out);
  for (int64_t j = 0; j < m; ++j) out[j] *= dy[j];
  nn::ZeroWhereZero(dy, out, out, m);
};

template <typename T>
T ScalarSqrtGrad(T y, T dy) {
  if (dy == T(0)) return T(0);
  return static_cast<T>(static_cast<T>(T(0.5) * dy) / y);
}

Status SqrtGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::BinaryByPositionBlocks<T>(ctx, 3, kPacketSqrtGrad, ScalarSqrtGrad<T>);
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
