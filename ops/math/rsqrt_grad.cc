// RsqrtGrad: the gradient of rsqrt from its output y. float32 lowers to
// builtins; float64 and half stay CUSTOM "RsqrtGrad" {T}.
//
// TF's functor has two paths that multiply in different orders
// (binary_grad.h): packets compute a = dy == 0 ? 0 : y * dy, then
// a == 0 ? 0 : (-0.5 * (y * y)) * a; the scalar tail
// dy == 0 ? 0 : (-0.5 * (dy * y)) * (y * y). Zeros are +0.
#include <type_traits>

#include "../nn/binary_grad.h"

namespace opbridge {
namespace {

// TF's packet path on a block (binary_grad.h, BinaryByPositionBlocks): a = y * dy (0 where
// dy == 0), then (-0.5 * (y * y)) * a (0 where a == 0), every product computed before its select
// (on packets).
// float and double (nothing rounded between the steps) in one pass of packets.
constexpr auto kPacketRsqrtGrad = [](const auto* y, const auto* dy, auto* out, auto* tmp, int64_t m, auto round) {
  using F = std::remove_const_t<std::remove_pointer_t<decltype(y)>>;
  if constexpr (std::is_same_v<decltype(round), nn::NoRounding>) {
    namespace ei = Eigen::internal;
    using P = typename ei::packet_traits<F>::type;
    constexpr int64_t kWidth = ei::unpacket_traits<P>::size;
    const P zero = ei::pset1<P>(F(0)), half = ei::pset1<P>(F(-0.5));
    int64_t j = 0;
    for (; j + kWidth <= m; j += kWidth) {
      const P yv = ei::ploadu<P>(y + j), dyv = ei::ploadu<P>(dy + j);
      const P a = ei::pselect(ei::pcmp_eq(dyv, zero), zero, ei::pmul(yv, dyv));
      const P z = ei::pmul(ei::pmul(half, ei::pmul(yv, yv)), a);
      ei::pstoreu(out + j, ei::pselect(ei::pcmp_eq(a, zero), zero, z));
    }
    for (; j < m; ++j) {
      const F a = dy[j] == F(0) ? F(0) : y[j] * dy[j];
      out[j] = a == F(0) ? F(0) : (F(-0.5) * (y[j] * y[j])) * a;
    }
    return;
  }
  for (int64_t j = 0; j < m; ++j) out[j] = y[j] * dy[j];
  round(out);
  nn::ZeroWhereZero(dy, out, out, m);
  for (int64_t j = 0; j < m; ++j) tmp[j] = y[j] * y[j];
  round(tmp);
  for (int64_t j = 0; j < m; ++j) tmp[j] *= -0.5f;
  round(tmp);
  for (int64_t j = 0; j < m; ++j) tmp[j] *= out[j];
  nn::ZeroWhereZero(out, tmp, out, m);
};

template <typename T>
T ScalarRsqrtGrad(T y, T dy) {
  if (dy == T(0)) return T(0);
  return static_cast<T>(static_cast<T>(T(-0.5) * static_cast<T>(dy * y)) * static_cast<T>(y * y));
}

Status RsqrtGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::BinaryByPositionBlocks<T>(ctx, 3, kPacketRsqrtGrad, ScalarRsqrtGrad<T>);
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
