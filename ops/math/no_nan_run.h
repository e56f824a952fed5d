// The real-dtype runs of DivNoNan and MulNoNan (TF's no_nan_op): +0 where y == 0, else x / y or
// x * y, on explicit Eigen packets (pcmp_eq and pselect over pdiv or pmul, TF's own packet steps).
// GCC compiles `y != 0 ? x / y : 0` per element as a branch (it may not divide or multiply
// where the source does not), which mispredicts on divisors or weights with zeros at random;
// half and bfloat16 were converted one element at a time. TF's scalar tail computes the same
// values (one rounding in T either way), so no position matters.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <type_traits>

#include "half_arrays.h"

namespace opbridge {
namespace math {

// out[0, n) = y == 0 ? +0 : x op y, op pdiv (kDivide) or pmul, on this build's packets; the
// remainder of n one at a time, the same values.
template <bool kDivide, typename F>
void NoNanPackets(const F* x, const F* y, F* out, int64_t n) {
  namespace ei = Eigen::internal;
  using P = typename ei::packet_traits<F>::type;
  constexpr int64_t kWidth = ei::unpacket_traits<P>::size;
  const P zero = ei::pset1<P>(F(0));
  int64_t i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    const P xv = ei::ploadu<P>(x + i), yv = ei::ploadu<P>(y + i);
    const P r = kDivide ? ei::pdiv(xv, yv) : ei::pmul(xv, yv);
    ei::pstoreu(out + i, ei::pselect(ei::pcmp_eq(yv, zero), zero, r));
  }
  for (; i < n; ++i) out[i] = y[i] == F(0) ? F(0) : kDivide ? x[i] / y[i] : x[i] * y[i];
}

// A broadcast run (BinaryBroadcastRuns): a and b step 0 or 1; half and bfloat16 divide or
// multiply in float and round once, a block of widened values at a time.
template <bool kDivide, typename T>
void NoNanRun(const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n) {
  if constexpr (!kHalfType<T>) {
    if (step_a != 0 && step_b != 0) return NoNanPackets<kDivide>(a, b, out, n);
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
    NoNanPackets<kDivide>(fa, fb, fa, m);
    if constexpr (kHalfType<T>) {
      Narrow(fa, out + i, m);
    } else {
      std::copy(fa, fa + m, out + i);
    }
  }
}

}  // namespace math
}  // namespace opbridge
