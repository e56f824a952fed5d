// Sign: TF's sign (tf.math.sign) for the dtypes TFLite's builtin SIGN cannot
// take. The converter gives int32, float and double to SIGN and emits CUSTOM
// "Sign" {T} for int8, int16, int64, half and bfloat16 (DeBERTaV3's relative
// position buckets take it on int64). The kernel takes every real dtype TF's
// CPU kernel does.
//
// Integers: -1, 0 or 1. Floats: +-1 for x of magnitude > 0, +0 for both
// zeros, and, measured on TF 2.21's x86-64 (AVX) build, two rules for NaNs and
// subnormals, because TF evaluates Eigen's sign in packets (8 floats, halves
// or bfloat16s, 4 doubles) and the last n % packet elements one at a time:
//  - in packets, x whose magnitude is not > 0 gives its magnitude: a NaN loses
//    its sign bit, and a subnormal float, double or bfloat16 (0 under TF's
//    flush-to-zero mode) gives its own magnitude;
//  - one at a time, a NaN stays as it is and a subnormal gives +0.
// The kernel applies the same rule by position, under the same float mode.
// half is compared in float, where every half is normal (+-1 either way).
#include <cmath>
#include <cstring>
#include <type_traits>

#include "elementwise.h"
#include "int64_sign_avx2.h"

namespace opbridge {
namespace {

// TF's AVX packet sizes, in elements.
constexpr int64_t kPacket32 = 8, kPacket64 = 4;

template <typename T>
T PacketSign(T v) {
  const T magnitude = Eigen::numext::abs(v);  // clears the sign bit only
  if (!(T(0) < magnitude)) return magnitude;
  return v < T(0) ? T(-1) : T(1);
}

template <typename T>
T ScalarSign(T v) {
  if (Eigen::numext::isnan(v)) return v;
  return static_cast<T>(static_cast<float>((v > T(0)) - (v < T(0))));
}

// out[i] = packet(in[i]) for i < n - n % packet, scalar(in[i]) for the rest.
template <typename T, typename PacketFn, typename ScalarFn>
Status ByPosition(KernelContext& ctx, int64_t packet, PacketFn packet_fn, ScalarFn scalar_fn) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t n = ctx.input(0).num_elements();
  const int64_t tail = n - n % packet;
  ctx.ParallelFor(
      n, 1,
      [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) out[i] = i < tail ? packet_fn(in[i]) : scalar_fn(in[i]);
      },
      /*grain=*/packet);
  return Status::Ok();
}

template <typename T>
Status FloatSign(KernelContext& ctx, int64_t packet) {
  return ByPosition<T>(ctx, packet, PacketSign<T>, ScalarSign<T>);
}

// bfloat16 (no Eigen type in the framework's dispatch) is the top half of a
// float: compared as that float, results written as bits.
float BFloat16ToFloat(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float v;
  std::memcpy(&v, &wide, sizeof(v));
  return v;
}

constexpr uint16_t kBFloat16One = 0x3F80, kBFloat16MinusOne = 0xBF80;

uint16_t BFloat16PacketSign(uint16_t bits) {
  if (!(0.0f < std::fabs(BFloat16ToFloat(bits)))) return static_cast<uint16_t>(bits & 0x7FFF);
  return bits & 0x8000 ? kBFloat16MinusOne : kBFloat16One;
}

uint16_t BFloat16ScalarSign(uint16_t bits) {
  const float v = BFloat16ToFloat(bits);
  if (v != v) return bits;
  return v > 0.0f ? kBFloat16One : v < 0.0f ? kBFloat16MinusOne : 0;
}

Status SignKernel(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kBFloat16: return ByPosition<uint16_t>(ctx, kPacket32, BFloat16PacketSign, BFloat16ScalarSign);
    case DType::kFloat16: return FloatSign<Eigen::half>(ctx, kPacket32);
    case DType::kFloat32: return FloatSign<float>(ctx, kPacket32);
    case DType::kFloat64: return FloatSign<double>(ctx, kPacket64);
    default: break;
  }
#if defined(__x86_64__)  // int64 on AVX2: 4-lane compares (int64_sign_avx2.h)
  if (math::ApplyInt64Avx2(ctx, math::SignInt64Avx2)) return Status::Ok();
#endif
  return math::UnaryElementwise<int8_t, int16_t, int32_t, int64_t>(ctx, 1, [](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return x.unaryExpr([](T v) { return static_cast<T>((v > 0) - (v < 0)); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Sign")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sign: -1, 0 or 1; zeros give +0; NaNs and subnormals as TF's AVX build "
                              "(tf.math.sign).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(SignKernel));

}  // namespace
}  // namespace opbridge
