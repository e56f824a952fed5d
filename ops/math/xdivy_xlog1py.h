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
#include <complex>
#include <type_traits>
#include <vector>

#include "complex_scalar_ops.h"
#include "elementwise.h"
#include "half_arrays.h"
#include "packet_tail.h"

#if defined(__x86_64__)
// Eigen's float packet log on 8 AVX2 lanes (xlog1py_avx2.cc); the same bits as ApplyRange's.
extern "C" void opbridge_avx2_f32_xlog1py_log(const float* in, float* out, int64_t n);
#endif

namespace opbridge {
namespace math {

// ---- Xdivy ----

template <typename T>
Status XdivyOf(KernelContext& ctx) {
  if constexpr (IsComplex<T>::value) {
    const auto packet = [](T x, T y) { return IsComplexZero(x) ? x : PacketDivide(x, y); };
    OPBRIDGE_RETURN_IF_ERROR(BinaryMap<T>(ctx, 4, packet));
    RedoScalarTail<T>(ctx, [](T x, T y) { return IsComplexZero(x) ? T(0) : ScalarDivide(x, y); });
  } else {
    // Half and bfloat16 divide in float and round once (Fusing::kOneStep): x itself rounds to x.
    const auto packet = [](auto x, auto y) { return x == decltype(x)(0) ? x : decltype(x)(x / y); };
    OPBRIDGE_RETURN_IF_ERROR(BinaryBroadcast<T>(ctx, 1, packet, Fusing::kOneStep));
    RedoScalarTail<T>(ctx, [](T x, T y) { return x == T(0) ? T(0) : T(x / y); });
  }
  return Status::Ok();
}

// ---- Xlog1py ----

// Eigen's std_fallback::log1p on a complex value, operation for operation.
template <typename C>
C ComplexLog1p(const C& y) {
  using R = typename C::value_type;
  const C u(y.real() + R(1), y.imag());  // R(1) + y: the real part only
  const C l = Eigen::numext::log(u);     // Eigen's complex log, as the Xlogy tail
  const bool small = u.real() == R(1) && u.imag() == R(0);
  const bool inf = u.real() == l.real() && u.imag() == l.imag();
  if (small || inf) return y;
  return y * ScalarDivide(l, C(u.real() - R(1), u.imag()));
}

// TF's packet outputs for same-shape x and y (x non-null): x where x == 0, else x times TF's packet
// log1p(y), all in one pass; with x null, out = the packet log1p(y) itself (rounded to T), for the
// broadcast runs to multiply.
template <typename T>
void PacketXlog1py(KernelContext& ctx, const T* x, const T* y, T* out, int64_t m) {
  using F = std::conditional_t<kHalfType<T>, float, T>;  // the packet's arithmetic type
  constexpr int64_t kChunk = 64;
  const int64_t padded = (m + kChunk - 1) / kChunk * kChunk;
  ctx.ParallelFor(
      padded, 10,
      [&](int64_t begin, int64_t end) {
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
          bool logged = false;
#if defined(__x86_64__)
          if constexpr (std::is_same_v<F, float>) {
            if (UseAvx2()) {
              opbridge_avx2_f32_xlog1py_log(u, l, kChunk);
              logged = true;
            }
          }
#endif
          if (!logged) ApplyRange(u, l, kChunk, packet_exprs::Log{});
          // Branch-free (vectorized): the quotient is computed everywhere and dropped where y is kept.
          for (int64_t j = 0; j < kChunk; ++j) {
            const F q = yy[j] * (l[j] / (u[j] - F(1)));
            const bool keep = (u[j] == F(1)) | (u[j] == l[j]);
            r[j] = keep ? yy[j] : q;
          }
          if (x != nullptr) {
            if constexpr (kHalfType<T>) {
              RoundTo(r, scratch, kChunk);  // the packet log1p is a half (bfloat16) packet
              Widen(x + c, xx, n);
            } else {
              std::copy(x + c, x + c + n, xx);
            }
            for (int64_t j = 0; j < n; ++j) r[j] = xx[j] == F(0) ? xx[j] : xx[j] * r[j];
          }
          if constexpr (kHalfType<T>) {
            Narrow(r, out + c, n);
          } else {
            std::copy(r, r + n, out + c);
          }
        }
      },
      kChunk);
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
        auto fn = [](auto v, auto log1p_v) { return v == decltype(v)(0) ? v : decltype(v)(v * log1p_v); };
        if constexpr (kHalfType<T>) {
          OneStepRun(a, step_a, pl + (b - py), step_b, out, n, fn);
        } else {
          MapRun(a, step_a, pl + (b - py), step_b, out, n, fn);
        }
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
