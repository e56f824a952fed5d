// Shared by the elementwise math ops (ops/math/*.cc).
//
// TF's CPU kernels for these ops evaluate Eigen's coefficient-wise functors
// (scalar_cosh_op, scalar_digamma_op, igamma, betainc, ...) from the Eigen
// that ships in TF's include dir. The kernels here evaluate the very same
// functors, so TF and TFLite agree up to the instruction set (TF's wheel
// is built for AVX, ours for baseline SSE2: same algorithms; where Eigen's
// SSE and AVX code differ, e.g. the float reciprocal, a few ulp). Formulas
// named in packet_exprs.h also have an AVX2 build, TF's packet width, taken
// on CPUs with AVX2 (ApplyRange); the parity tests measure both.
#pragma once

#include <Eigen/Core>
#include <complex>
#include <limits>
#include <unsupported/Eigen/SpecialFunctions>

#include "avx2_dispatch.h"
#include "element_types.h"
#include "elementwise_range.h"
#include "half_arrays.h"
#include "packet_exprs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace math {

// out[0, n) = expr(in[0, n)) (in may be out): for a packet_exprs.h formula
// listed for T, its AVX2 build (TF's packet width) when the CPU has AVX2;
// else this build's Eigen evaluation. Also for kernels that loop themselves.
// The formulas that are one function of x: for half and bfloat16, TF's
// packets widen to float, apply Eigen's float function and round once, which
// the widened path below does too (others, such as Elu's exp(x) - 1, round
// after each step in T, as Eigen's scalar path for T does).
template <typename Expr>
constexpr bool kOneFunction = std::is_same_v<Expr, packet_exprs::Exp> || std::is_same_v<Expr, packet_exprs::Log> ||
                              std::is_same_v<Expr, packet_exprs::Tanh>;

template <typename T, typename Expr>
void ApplyRange(const T* in, T* out, int64_t n, const Expr& expr);

// Sigmoid in half and bfloat16. TF's packets take Eigen's generic logistic
// steps in T: e = exp(x), then e / (1 + e), or 1 where e is infinite; each
// step in float, rounded to T (the half and bfloat16 packets widen, compute
// and round). The same steps on float blocks, with the float exp of Exp.
template <typename T>
void SigmoidWidened(const T* in, T* out, int64_t n) {
  constexpr int64_t kBlock = 256;
  float e[kBlock], d[kBlock];
  T scratch[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = n - i < kBlock ? n - i : kBlock;
    Widen(in + i, e, m);
    ApplyRange(e, e, m, packet_exprs::Exp{});
    RoundTo(e, scratch, m);
    for (int64_t j = 0; j < m; ++j) d[j] = 1.0f + e[j];
    RoundTo(d, scratch, m);
    constexpr float kInf = std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < m; ++j) e[j] = e[j] == kInf ? 1.0f : e[j] / d[j];
    Narrow(e, out + i, m);
  }
}

template <typename T, typename Expr>
void ApplyRange(const T* in, T* out, int64_t n, const Expr& expr) {
  if constexpr (kHalfType<T> && std::is_same_v<Expr, packet_exprs::Sigmoid>) {
    SigmoidWidened(in, out, n);
    return;
  }
  if constexpr (kHalfType<T> && kOneFunction<Expr>) {
    float block[256];
    for (int64_t i = 0; i < n; i += 256) {
      const int64_t m = n - i < 256 ? n - i : 256;
      Widen(in + i, block, m);
      ApplyRange(block, block, m, expr);
      Narrow(block, out + i, m);
    }
    return;
  }
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float> || std::is_same_v<T, std::complex<float>> ||
                std::is_same_v<T, std::complex<double>>) {
    constexpr ElementwiseRangeFn<T> avx2 = kAvx2Range<T, Expr>;
    if (avx2 != nullptr && UseAvx2()) {
      avx2(in, out, n);
      return;
    }
  }
  ElementwiseRange(in, out, n, expr);
}

// y = expr(x) over contiguous chunks of x, split over the runtime's threads.
// `expr` maps an Eigen array of T to an Eigen expression (a.cosh(), ...);
// every element is computed by the same functor whatever the split.
template <typename... Ts, typename Expr>
Status UnaryElementwise(KernelContext& ctx, int64_t cost_per_element_ns, Expr expr) {
  const ConstTensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  return DispatchElement<Ts...>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = y.data<T>();
    // Eigen evaluates whole packets and a ragged tail with its scalar path,
    // which can round differently: chunks start on multiples of 64 elements
    // so that which path an element takes does not depend on the thread count.
    ctx.ParallelFor(
        x.num_elements(), cost_per_element_ns,
        [&](int64_t begin, int64_t end) { ApplyRange(in + begin, out + begin, end - begin, expr); },
        /*grain=*/64);
    return Status::Ok();
  });
}

}  // namespace math
}  // namespace opbridge
