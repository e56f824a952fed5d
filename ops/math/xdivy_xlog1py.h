// Xdivy and Xlog1py (tf.math.xdivy, tf.math.xlog1py) as TF's CPU kernels compute them, shared by
// the TF-named kernels (half, bfloat16, double, complex64, complex128: the converter leaves them
// CUSTOM) and the Opbridge> substitutes for float32 (which the converter lowers into builtins:
// Xlog1py through ADD and LOG, which cancel near 0).
//
// TF's functors (cwise_ops.h xdivy_op, xlog1py_op): 0 where x == 0, else x / y or x * log1p(y).
// Their packet path keeps x itself where x == 0 (pselect: a -0 x stays -0) and their scalar path
// gives +0; a binary cwise kernel takes packets over the flat output and the scalar path for the
// last n % packet outputs (packet_tail.h), so a zero's sign depends on its position.
//   Xdivy packets: pdiv (half and bfloat16 in float, rounded; complex Eigen's pdiv_complex, the
//     divisor scaled by its larger part); tail: x / y (complex: std::complex division as TF's
//     clang build does it, math::ScalarDivide).
//   Xlog1py real packets: Eigen's generic_log1p, u = 1 + y, l = plog(u), y where u == 1 or
//     u == l, else y * (l / (u - 1)); half and bfloat16 in float, rounded once; then x times it
//     (pmul: half in float, rounded). plog is the Log kernel's packet log (packet_exprs::Log,
//     TF's bits), taken on whole 64-element chunks as xlogy.cc does. Tail: x * the C library's
//     log1p(y) (half: in float, rounded).
//   Xlog1py complex: Eigen has no complex packet log1p, so TF's kernel is scalar throughout:
//     x * log1p(y) with Eigen's fallback formula, the same one on complex values (u = 1 + y with
//     y's imaginary part kept, Eigen's complex log, ScalarDivide, the C library's products).
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <type_traits>
#include <vector>

#include "complex_scalar_ops.h"
#include "elementwise.h"
#include "half_arrays.h"
#include "packet_tail.h"
#include "zero_select_run.h"

#if defined(__x86_64__) && !defined(OPBRIDGE_WITHOUT_AVX2)  // (avx2_dispatch.h)
// Xlog1pyChunks built for AVX2 without FMA (xlog1py_avx2.cc), by type: the same bits.
extern "C" {
void opbridge_avx2_xlog1py_f32(const float* x, const float* y, float* out, int64_t begin, int64_t end, int64_t m);
void opbridge_avx2_xlog1py_f64(const double* x, const double* y, double* out, int64_t begin, int64_t end, int64_t m);
void opbridge_avx2_xlog1py_f16(const Eigen::half* x, const Eigen::half* y, Eigen::half* out, int64_t begin,
                               int64_t end, int64_t m);
void opbridge_avx2_xlog1py_bf16(const Eigen::bfloat16* x, const Eigen::bfloat16* y, Eigen::bfloat16* out,
                                int64_t begin, int64_t end, int64_t m);
}
#endif

namespace opbridge {
namespace math {

// ---- Xdivy ----

template <typename T>
Status XdivyOf(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(BinaryBroadcastRuns<T>(ctx, IsComplex<T>::value ? 4 : 1, ZeroSelectRun<ZeroRule::kKeepZeroX, PacketQuotient, T>));
  if constexpr (IsComplex<T>::value) {
    RedoScalarTail<T>(ctx, [](T x, T y) { return IsComplexZero(x) ? T(0) : ScalarDivide(x, y); });
  } else {
    RedoScalarTail<T>(ctx, [](T x, T y) { return x == T(0) ? T(0) : T(x / y); });
  }
  return Status::Ok();
}

// ---- Xlog1py ----

// Eigen's std_fallback::log1p on a complex value, operation for operation. Inlined, and the log
// taken on the parts: a complex<float> passed to or returned from a call travels packed in one
// register, which GCC builds with two 4-byte stores and one 8-byte load, a store-forwarding stall
// per call (cabsf and the return were a quarter of Xlog1py complex64's time).
template <typename C>
__attribute__((always_inline)) inline C ComplexLog1p(const C& y) {
  using R = typename C::value_type;
  const R ur = y.real() + R(1), ui = y.imag();  // R(1) + y: the real part only
  // Eigen's complex_log: (log(abs(u)), atan2(im, re)); abs is the C library's cabs, which glibc
  // computes as hypot of the parts.
  const R lr = std::log(std::hypot(ur, ui)), li = std::atan2(ui, ur);
  const bool small = ur == R(1) && ui == R(0);
  const bool inf = ur == lr && ui == li;
  if (small || inf) return y;
  return y * ScalarDivide(C(lr, li), C(ur - R(1), ui));
}

// The number of elements Xlog1pyChunks takes at a time: whole chunks keep Eigen's log on packets
// only (the padding is computed and dropped).
constexpr int64_t kXlog1pyChunk = 64;

// Explicit Eigen packets (this build's width) for the selects below, as TF's functors take them:
// GCC leaves a select between a quotient or product and another value scalar and branchy (it
// may not evaluate the division where the source does not need it), which took the loops 2x the
// packet log's time, mostly in mispredicted branches on x == 0.

// r = Eigen's generic_log1p of y from u = 1 + y and l = plog(u): y where u == 1 or u == l, else
// y * (l / (u - 1)); kXlog1pyChunk elements, 64-byte aligned.
template <typename F>
void Log1pFromLog(const F* y, const F* u, const F* l, F* r) {
  using P = typename Eigen::internal::packet_traits<F>::type;
  constexpr int64_t kWidth = Eigen::internal::unpacket_traits<P>::size;
  static_assert(kXlog1pyChunk % kWidth == 0);
  const P one = Eigen::internal::pset1<P>(F(1));
  for (int64_t j = 0; j < kXlog1pyChunk; j += kWidth) {
    const P yv = Eigen::internal::pload<P>(y + j);
    const P uv = Eigen::internal::pload<P>(u + j);
    const P lv = Eigen::internal::pload<P>(l + j);
    const P keep = Eigen::internal::por(Eigen::internal::pcmp_eq(uv, one), Eigen::internal::pcmp_eq(uv, lv));
    const P q = Eigen::internal::pmul(yv, Eigen::internal::pdiv(lv, Eigen::internal::psub(uv, one)));
    Eigen::internal::pstore(r + j, Eigen::internal::pselect(keep, yv, q));
  }
}

// TF's packet outputs for the elements [begin, end) of same-shape x and y (m elements; begin and
// end on chunk boundaries, end possibly past m): x where x == 0, else x times TF's packet log1p(y),
// in one pass over each chunk; with x null, out = the packet log1p(y) itself (rounded to T), for
// the broadcast runs to multiply. log_range(in, out, n) is the packet log of the arithmetic type.
template <typename T, typename LogRange>
void Xlog1pyChunks(const T* x, const T* y, T* out, int64_t begin, int64_t end, int64_t m, LogRange log_range) {
  using F = std::conditional_t<kHalfType<T>, float, T>;  // the packet's arithmetic type
  constexpr int64_t kChunk = kXlog1pyChunk;
  alignas(64) F yy[kChunk], u[kChunk], l[kChunk], r[kChunk], xx[kChunk];
  T scratch[kChunk];
  for (int64_t c = begin; c < end; c += kChunk) {
    const int64_t n = std::min(kChunk, m - c);
    if constexpr (kHalfType<T>) {
      Widen(y + c, yy, n);
    } else {
      std::copy(y + c, y + c + n, yy);
    }
    std::fill(yy + n, yy + kChunk, F(0));
    for (int64_t j = 0; j < kChunk; ++j) u[j] = yy[j] + F(1);
    log_range(u, l, kChunk);
    Log1pFromLog(yy, u, l, r);
    if (x != nullptr) {
      if constexpr (kHalfType<T>) {
        RoundTo(r, scratch, kChunk);  // the packet log1p is a half (bfloat16) packet
        Widen(x + c, xx, n);
      } else {
        std::copy(x + c, x + c + n, xx);
      }
      std::fill(xx + n, xx + kChunk, F(0));
      ZeroSelectPackets<ZeroRule::kKeepZeroX, PacketProduct>(xx, r, r, kChunk);
    }
    if constexpr (kHalfType<T>) {
      Narrow(r, out + c, n);
    } else {
      std::copy(r, r + n, out + c);
    }
  }
}

// Xlog1pyChunks over [0, m) on the runtime's threads: the AVX2 build on CPUs with it (8 float
// lanes where the baseline's quotient and product loops take 4), else this build's.
template <typename T>
void PacketXlog1py(KernelContext& ctx, const T* x, const T* y, T* out, int64_t m) {
  const int64_t padded = (m + kXlog1pyChunk - 1) / kXlog1pyChunk * kXlog1pyChunk;
  ctx.ParallelFor(
      padded, 10,
      [&](int64_t begin, int64_t end) {
#if defined(__x86_64__) && !defined(OPBRIDGE_WITHOUT_AVX2)
        if (UseAvx2()) {
          if constexpr (std::is_same_v<T, float>) return opbridge_avx2_xlog1py_f32(x, y, out, begin, end, m);
          if constexpr (std::is_same_v<T, double>) return opbridge_avx2_xlog1py_f64(x, y, out, begin, end, m);
          if constexpr (std::is_same_v<T, Eigen::half>) return opbridge_avx2_xlog1py_f16(x, y, out, begin, end, m);
          if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
            return opbridge_avx2_xlog1py_bf16(x, y, out, begin, end, m);
          }
        }
#endif
        using F = std::conditional_t<kHalfType<T>, float, T>;
        Xlog1pyChunks(x, y, out, begin, end, m,
                      [](const F* in, F* o, int64_t n) { ApplyRange(in, o, n, packet_exprs::Log{}); });
      },
      kXlog1pyChunk);
}

template <typename T>
Status Xlog1pyOf(KernelContext& ctx) {
  if constexpr (IsComplex<T>::value) {
    // No packet path in TF: its scalar functor everywhere.
    return BinaryMap<T>(ctx, 40, [](T x, T y) { return x == T(0) ? T(0) : T(x * ComplexLog1p(y)); });
  } else {
    const ConstTensor& x = ctx.input(0);
    const ConstTensor& y = ctx.input(1);
    const T* py = y.data<T>();
    if (x.shape().dims() == y.shape().dims()) {
      OPBRIDGE_REQUIRE(ctx.output(0).num_elements() == y.num_elements(), "output '", ctx.output(0).name(), "' is ",
                       ctx.output(0).shape().ToString(), ", the inputs are ", y.shape().ToString());
      PacketXlog1py(ctx, x.data<T>(), py, ctx.output(0).data<T>(), y.num_elements());
    } else {
      std::vector<T> logs(static_cast<size_t>(y.num_elements()));
      PacketXlog1py<T>(ctx, nullptr, py, logs.data(), y.num_elements());
      const T* pl = logs.data();
      // Each run reads y's log1p where it would read y; half and bfloat16 multiply in float.
      const auto run = [&](const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n) {
        ZeroSelectRun<ZeroRule::kKeepZeroX, PacketProduct>(a, step_a, pl + (b - py), step_b, out, n);
      };
      OPBRIDGE_RETURN_IF_ERROR(BinaryBroadcastRuns<T>(ctx, 2, run));
    }
    RedoScalarTail<T>(ctx, [](T x, T v) { return x == T(0) ? T(0) : T(x * Eigen::numext::log1p(v)); });
    return Status::Ok();
  }
}

// The kernels by dtype (float32 for the Opbridge> substitutes).
inline Status XdivyKernel(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kFloat32: return XdivyOf<float>(ctx);
    case DType::kFloat64: return XdivyOf<double>(ctx);
    case DType::kFloat16: return XdivyOf<Eigen::half>(ctx);
    case DType::kBFloat16: return XdivyOf<Eigen::bfloat16>(ctx);
    case DType::kComplex64: return XdivyOf<std::complex<float>>(ctx);
    case DType::kComplex128: return XdivyOf<std::complex<double>>(ctx);
    default: return Errorf("Xdivy has no kernel for ", DTypeName(ctx.input(0).dtype()));
  }
}

inline Status Xlog1pyKernel(KernelContext& ctx) {
  switch (ctx.input(0).dtype()) {
    case DType::kFloat32: return Xlog1pyOf<float>(ctx);
    case DType::kFloat64: return Xlog1pyOf<double>(ctx);
    case DType::kFloat16: return Xlog1pyOf<Eigen::half>(ctx);
    case DType::kBFloat16: return Xlog1pyOf<Eigen::bfloat16>(ctx);
    case DType::kComplex64: return Xlog1pyOf<std::complex<float>>(ctx);
    case DType::kComplex128: return Xlog1pyOf<std::complex<double>>(ctx);
    default: return Errorf("Xlog1py has no kernel for ", DTypeName(ctx.input(0).dtype()));
  }
}

}  // namespace math
}  // namespace opbridge
