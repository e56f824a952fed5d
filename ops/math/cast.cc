// Cast: TF's dtype conversion (tf.cast). The builtin CAST takes no uint64, so
// the converter leaves CUSTOM "Cast" {SrcT, DstT, Truncate} for every cast
// from or to uint64 (hashed ids; measured 2026-12-05: 25 dtype pairs had no
// kernel). The kernel takes every pair of TF's Cast dtypes, for Select TF ops
// nodes and hand-made models too.
//
// TF's bits, as its x86-64 build computes them (clang's conversions):
//  - float to int32 and int64: the truncated value, or INT_MIN where it does
//    not fit (NaN, inf: x86's "indefinite" result); to uint64: the signed
//    conversion of x, or of x - 2^63 with the top bit set where x does not fit
//    int64 (-1.0 -> 2^64 - 1; NaN, inf and 2^64 -> 2^63);
//  - float out of range of an 8-, 16-bit or uint32 destination: TF's result
//    depends on whether the element takes its vectorized path (which
//    saturates through packs) or its scalar one (which wraps): measured, the
//    same 300.7 gives int8 127 in one array and 44 in another. No rule
//    reproduces both; this kernel computes the scalar path's (through int32,
//    then the low bits; uint32 as uint64's rule at 32 bits). In range, exact;
//  - half and bfloat16 convert through float, both ways; Truncate rounds a
//    float toward zero into bfloat16 instead of to nearest;
//  - complex to real or bool takes the real part; real to complex has a zero
//    imaginary part; bool is x != 0; integers wrap to narrower ones.
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "element_types.h"
#include "half_arrays.h"

namespace opbridge {
namespace {

struct CastParams {
  DType src = DType::kFloat32;
  DType dst = DType::kFloat32;
  bool truncate = false;

  static void Declare(ParamBinder& b, CastParams& p) {
    b.Attr("SrcT: type", &p.src);
    b.Attr("DstT: type", &p.dst);
    b.Attr("Truncate: bool = false", &p.truncate);
  }
};

template <typename T>
constexpr bool kComplex = std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>;

// x86's cvttsd2si into Int: the truncated value, or Int's minimum (the
// "indefinite integer") when it does not fit or is NaN. Written so that C++
// has no undefined conversion.
template <typename Int, typename F>
Int TruncateX86(F x) {
  constexpr F kLimit = static_cast<F>(std::numeric_limits<Int>::max()) + F(1);  // 2^31 or 2^63, exact
  // (A value in (-limit - 1, -limit) truncates to the minimum too.)
  if (!(x >= -kLimit && x < kLimit)) return std::numeric_limits<Int>::min();
  return static_cast<Int>(x);
}

// float or double to integer type I, as clang compiles static_cast on x86-64
// (TF's scalar path; see the file comment for the vectorized one).
template <typename I, typename F>
I FloatToInt(F x) {
  if constexpr (sizeof(I) < 4) {
    return static_cast<I>(TruncateX86<int32_t>(x));  // through int32, then the low bits
  } else if constexpr (std::is_same_v<I, int64_t>) {
    return TruncateX86<int64_t>(x);
  } else if constexpr (std::is_same_v<I, uint64_t> || std::is_same_v<I, uint32_t>) {
    using S = std::make_signed_t<I>;
    constexpr F kHalf = static_cast<F>(std::numeric_limits<S>::max()) + F(1);
    const auto low = static_cast<I>(TruncateX86<S>(x));
    const auto high = static_cast<I>(TruncateX86<S>(x - kHalf));
    const I sign = static_cast<I>(0) - static_cast<I>(low >> (8 * sizeof(I) - 1));  // all ones if low's top bit
    return static_cast<I>(low | (high & sign));
  } else {
    return static_cast<I>(TruncateX86<int32_t>(x));  // int32
  }
}

// float rounded toward zero to bfloat16 (TF's Truncate): the top 16 bits, NaN kept NaN.
Eigen::bfloat16 TruncateToBfloat16(float x) {
  if (std::isnan(x)) return Eigen::bfloat16(x);
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof(bits));
  return Eigen::numext::bit_cast<Eigen::bfloat16>(static_cast<uint16_t>(bits >> 16));
}

template <typename Dst, typename Src>
Dst Convert(Src x, bool truncate) {
  if constexpr (kComplex<Src> && !kComplex<Dst>) {
    return Convert<Dst>(x.real(), truncate);
  } else if constexpr (kComplex<Dst>) {
    using R = typename Dst::value_type;
    if constexpr (kComplex<Src>) {
      return Dst(static_cast<R>(x.real()), static_cast<R>(x.imag()));
    } else {
      return Dst(Convert<R>(x, truncate), R(0));
    }
  } else if constexpr (std::is_same_v<Dst, bool>) {
    if constexpr (math::kHalfType<Src>) {
      // By the bits: a subnormal is not zero even where the CPU flushes them.
      return (Eigen::numext::bit_cast<uint16_t>(x) & 0x7fffu) != 0;
    } else {
      return x != Src(0);
    }
  } else if constexpr (math::kHalfType<Src>) {
    return Convert<Dst>(static_cast<float>(x), truncate);
  } else if constexpr (math::kHalfType<Dst>) {
    if constexpr (std::is_same_v<Dst, Eigen::bfloat16>) {
      if (truncate && std::is_floating_point_v<Src>) return TruncateToBfloat16(static_cast<float>(x));
    }
    return Dst(static_cast<float>(x));
  } else if constexpr (std::is_floating_point_v<Src> && std::is_integral_v<Dst> && !std::is_same_v<Dst, bool>) {
    return FloatToInt<Dst>(x);
  } else {
    return static_cast<Dst>(x);  // integer wrap, integer to float (rounded to nearest), float to float
  }
}

template <typename Src>
Status CastFrom(KernelContext& ctx, const CastParams& p) {
  const Src* in = ctx.input(0).data<Src>();
  const int64_t n = ctx.input(0).num_elements();
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t, bool, std::complex<float>,
                               std::complex<double>>(ctx.output(0).dtype(), [&](auto tag) {
    using Dst = typename decltype(tag)::type;
    Dst* out = ctx.output(0).data<Dst>();
    const bool truncate = p.truncate;
    ctx.ParallelFor(n, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = Convert<Dst>(in[i], truncate);
    });
    return Status::Ok();
  });
}

Status CastKernel(KernelContext& ctx, const CastParams& p) {
  OPBRIDGE_REQUIRE(ctx.input(0).dtype() == p.src && ctx.output(0).dtype() == p.dst, "tensors are ",
                   DTypeName(ctx.input(0).dtype()), " -> ", DTypeName(ctx.output(0).dtype()), ", attrs say ",
                   DTypeName(p.src), " -> ", DTypeName(p.dst));
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t, bool, std::complex<float>,
                               std::complex<double>>(
      p.src, [&](auto tag) { return CastFrom<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cast")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x converted to DstT (tf.cast).")
                         .Input("x: SrcT")
                         .Output("y: DstT")
                         .Params<CastParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(CastKernel));

}  // namespace
}  // namespace opbridge
