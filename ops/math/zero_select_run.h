// Binary cwise runs whose functor selects on a zero operand, on explicit Eigen packets (pcmp_eq
// and pselect over pdiv or pmul: TF's own packet steps), shared by Xdivy, Xlog1py, Xlogy (x where
// x == 0, else x op y) and DivNoNan, MulNoNan (+0 where y == 0, else x op y).
//
// Explicit packets because GCC compiles such a select per element as a branch: with
// -ftrapping-math it may not divide or multiply where the source does not, so it neither
// if-converts nor vectorizes, and the branch mispredicts on operands with zeros at random
// (probabilities, one-hot labels, masks): Xdivy float32 took 0.92x TF's time, 0.13x on packets.
// Half and bfloat16 compute in float and round once, a block of widened values at a time.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "complex_scalar_ops.h"
#include "half_arrays.h"

namespace opbridge {
namespace math {

// TF's packet ops, as packets and, for the remainder of a run, one element at a time with the
// same steps (complex: Eigen's packet formulas, PacketDivide and PacketMul, not std::complex's).
struct PacketQuotient {
  template <typename P>
  P operator()(const P& a, const P& b) const {
    return Eigen::internal::pdiv(a, b);  // complex: pdiv_complex, the divisor scaled first
  }
  template <typename F>
  F Scalar(const F& a, const F& b) const {
    return PacketDivide(a, b);
  }
};
struct PacketProduct {
  template <typename P>
  P operator()(const P& a, const P& b) const {
    return Eigen::internal::pmul(a, b);
  }
  template <typename F>
  F Scalar(const F& a, const F& b) const {
    return PacketMul(a, b);
  }
};

// Which operand the functor tests and what it gives there.
enum class ZeroRule {
  kKeepZeroX,  // x where x == 0 (x itself: a -0 stays), else x op y (xdivy_op, xlogy_op, ...)
  kZeroWhereY  // +0 where y == 0, else x op y (div_no_nan_op, mul_no_nan_op)
};

// out[0, n) by the rule on this build's packets; the remainder of n one at a time, the same
// values; out may be x or y.
template <ZeroRule kRule, typename Op, typename F>
void ZeroSelectPackets(const F* x, const F* y, F* out, int64_t n) {
  namespace ei = Eigen::internal;
  using P = typename ei::packet_traits<F>::type;
  constexpr int64_t kWidth = ei::unpacket_traits<P>::size;
  const P zero = ei::pset1<P>(F(0));
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    const P xv = ei::ploadu<P>(x + i), yv = ei::ploadu<P>(y + i);
    const P v = Op{}(xv, yv);
    if constexpr (kRule == ZeroRule::kKeepZeroX) {
      ei::pstoreu(out + i, ei::pselect(ei::pcmp_eq(xv, zero), xv, v));
    } else {
      ei::pstoreu(out + i, ei::pselect(ei::pcmp_eq(yv, zero), zero, v));
    }
  }
  for (; i < n; ++i) {
    if constexpr (kRule == ZeroRule::kKeepZeroX) {
      out[i] = x[i] == F(0) ? x[i] : Op{}.Scalar(x[i], y[i]);
    } else {
      out[i] = y[i] == F(0) ? F(0) : Op{}.Scalar(x[i], y[i]);
    }
  }
}

// A broadcast run (BinaryBroadcastRuns): a and b step 0 or 1.
template <ZeroRule kRule, typename Op, typename T>
void ZeroSelectRun(const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n) {
  if constexpr (!kHalfType<T>) {
    if (step_a != 0 && step_b != 0) return ZeroSelectPackets<kRule, Op>(a, b, out, n);
  }
  using F = std::conditional_t<kHalfType<T>, float, T>;
  constexpr int64_t kBlock = 256;
  F fa[kBlock], fb[kBlock];
  for (int64_t i = 0; i < n; i += kBlock) {
    const int64_t m = std::min(kBlock, n - i);
    for (auto [v, step, f] : {std::tuple{a, step_a, fa}, std::tuple{b, step_b, fb}}) {
      if (step == 0) {
        std::fill(f, f + m, static_cast<F>(v[0]));
      } else if constexpr (kHalfType<T>) {
        Widen(v + i, f, m);
      } else {
        std::copy(v + i, v + i + m, f);
      }
    }
    ZeroSelectPackets<kRule, Op>(fa, fb, fa, m);
    if constexpr (kHalfType<T>) {
      Narrow(fa, out + i, m);
    } else {
      std::copy(fa, fa + m, out + i);
    }
  }
}

}  // namespace math
}  // namespace opbridge
