// Igamma and Igammac in AVX2 lanes, written for 8 floats or 4 doubles
// (lanes_avx2.h), for CPUs with AVX2 (chosen at run time by igamma.cc and
// igammac.cc; the baseline build evaluates Eigen's scalar functions there).
// The kernels take it for float32; float64 takes igamma_refill_avx2.h (its
// MainTerm from here), since in groups of 4 it gave TF's bits but ran slower
// than the scalar loops (Igammac f64 0.84 -> 0.93 of TF's time): a group
// waits for its slowest element, and a 4-double division has only twice the
// scalar one's throughput.
//
// TF's kernels evaluate Eigen's scalar igamma and igammac per element (Eigen
// has no igamma packets): the main term x^a e^-x / Gamma(a) from log, lgamma_r
// and exp, then Cephes' power series for P (Igamma: x <= 1 or x <= a;
// Igammac: x < 1 or x < a, as 1 - P) or continued fraction for Q (1 - Q for
// Igamma), each until a step changes the result by less than machep.
// Profiled (float Igamma), 42% of its time was those loops, one element and
// one division at a time, and 58% the three library calls. Here the loops
// run in lanes, each lane leaving its loop where the scalar function breaks
// (its result masked from then on): the same IEEE operations in the same
// order (multiply and add separate, as in the baseline and TF's builds: no
// FMA target here), and the library functions are called per lane with the
// same arguments, so every element gets TF's bits. Lanes outside
// 0 < a, x < inf (zero, the domain errors, NaN, infinities) take Eigen's
// scalar function itself. Only the value is computed: Eigen's loops also
// carry the derivative in a, which its value mode discards.
#pragma once

#if defined(__x86_64__)

#include <unsupported/Eigen/SpecialFunctions>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lanes_avx2.h"

namespace opbridge::math::igamma_lanes_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

// x^a e^-x / Gamma(a) in the lanes of `lanes` (0 where its logarithm is
// below -log(highest) or NaN), as Eigen's main_igamma_term.
template <typename L>
OPBRIDGE_AVX2 typename L::V MainTerm(typename L::V a, typename L::V x, typename L::V lanes) {
  using T = typename L::T;
  using V = typename L::V;
  const V log_x = CallPerLane<L>(x, lanes, [](T v) { return Eigen::numext::log(v); });
  const V log_gamma = CallPerLane<L>(a, lanes, [](T v) { return Eigen::numext::lgamma(v); });
  const V log_ax = L::Sub(L::Sub(L::Mul(a, log_x), x), log_gamma);
  static const T kLowest = -Eigen::numext::log(Eigen::NumTraits<T>::highest());
  const V zero = L::Or(L::Lt(log_ax, L::Set(kLowest)), L::IsNan(log_ax));
  const V ax = CallPerLane<L>(log_ax, L::AndNot(zero, lanes), [](T v) { return Eigen::numext::exp(v); });
  return L::AndNot(zero, ax);
}

// Cephes' power series for P(a, x), in the lanes of `lanes`.
template <typename L>
OPBRIDGE_AVX2 typename L::V Series(typename L::V a, typename L::V x, typename L::V ax, typename L::V lanes) {
  using T = typename L::T;
  using V = typename L::V;
  const V one = L::Set(T(1));
  const V machep = L::Set(Eigen::internal::cephes_helper<T>::machep());
  ax = L::Div(ax, a);
  V r = a, c = one, ans = one;
  V live = L::AndNot(L::Eq(ax, L::Zero()), lanes);
  for (int i = 0; i < 2000 && L::Mask(live) != 0; ++i) {
    r = L::Add(r, one);
    c = L::Mul(c, L::Div(x, r));
    ans = L::Select(live, L::Add(ans, c), ans);
    live = L::AndNot(L::Le(c, L::Mul(machep, ans)), live);
  }
  return L::Mul(ans, ax);  // 0 where the main term is 0, as Eigen's early return
}

// Cephes' continued fraction for Q(a, x): its state in lanes.
template <typename L>
struct Fraction {
  typename L::V y, z, c, pkm2, pkm1, qkm2, qkm1, ans;
};

// One step of the fraction in every lane (its ans only where `live`): the
// live lanes whose ans converged. Eigen breaks there before the shifts and
// the rescale below, which leave such a lane's ans as it is.
template <typename L>
OPBRIDGE_AVX2 typename L::V FractionStep(Fraction<L>& f, typename L::V live) {
  using T = typename L::T;
  using V = typename L::V;
  using Constants = Eigen::internal::cephes_helper<T>;
  const V zero = L::Zero(), one = L::Set(T(1)), two = L::Set(T(2));
  const V machep = L::Set(Constants::machep()), big = L::Set(Constants::big());
  const V biginv = L::Set(Constants::biginv());
  f.c = L::Add(f.c, one);
  f.y = L::Add(f.y, one);
  f.z = L::Add(f.z, two);
  const V yc = L::Mul(f.y, f.c);
  const V pk = L::Sub(L::Mul(f.pkm1, f.z), L::Mul(f.pkm2, yc));
  const V qk = L::Sub(L::Mul(f.qkm1, f.z), L::Mul(f.qkm2, yc));
  const V step = L::And(live, L::Ne(qk, zero));  // Eigen skips the update (and its test) where qk == 0
  const V ans_prev = f.ans;
  f.ans = L::Select(step, L::Div(pk, qk), f.ans);
  const V converged = L::And(step, L::Le(L::Abs(L::Sub(ans_prev, f.ans)), L::Mul(machep, L::Abs(f.ans))));
  f.pkm2 = f.pkm1;
  f.pkm1 = pk;
  f.qkm2 = f.qkm1;
  f.qkm1 = qk;
  const V rescale = L::Gt(L::Abs(pk), big);
  if (L::Mask(rescale) != 0) {
    f.pkm2 = L::Select(rescale, L::Mul(f.pkm2, biginv), f.pkm2);
    f.pkm1 = L::Select(rescale, L::Mul(f.pkm1, biginv), f.pkm1);
    f.qkm2 = L::Select(rescale, L::Mul(f.qkm2, biginv), f.qkm2);
    f.qkm1 = L::Select(rescale, L::Mul(f.qkm1, biginv), f.qkm1);
  }
  return converged;
}

// The continued fraction for Q(a, x), in the lanes of `lanes` (x > 1, x > a).
template <typename L>
OPBRIDGE_AVX2 typename L::V ContinuedFraction(typename L::V a, typename L::V x, typename L::V ax,
                                              typename L::V lanes) {
  using T = typename L::T;
  using V = typename L::V;
  const V zero = L::Zero(), one = L::Set(T(1));
  Fraction<L> f;
  f.y = L::Sub(one, a);
  f.z = L::Add(L::Add(x, f.y), one);
  f.c = zero;
  f.pkm2 = one;
  f.qkm2 = x;
  f.pkm1 = L::Add(x, one);
  f.qkm1 = L::Mul(f.z, x);
  f.ans = L::Div(f.pkm1, f.qkm1);
  V live = L::AndNot(L::Eq(ax, zero), lanes);
  for (int i = 0; i < 2000 && L::Mask(live) != 0; ++i) live = L::AndNot(FractionStep<L>(f, live), live);
  return L::AndNot(L::Eq(ax, zero), L::Mul(f.ans, ax));
}

// Igamma (kUpper false: P(a, x)) or Igammac (kUpper true: Q(a, x)) of the lanes.
template <typename L, bool kUpper>
OPBRIDGE_AVX2 typename L::V IncompleteGamma(typename L::V a, typename L::V x) {
  using T = typename L::T;
  using V = typename L::V;
  const V zero = L::Zero(), one = L::Set(T(1));
  const V inf = L::Set(std::numeric_limits<T>::infinity());
  const V ordinary = L::And(L::And(L::Gt(a, zero), L::Lt(a, inf)), L::And(L::Gt(x, zero), L::Lt(x, inf)));
  V result = zero;
  if (L::Mask(ordinary) != 0) {
    const V ax = MainTerm<L>(a, x, ordinary);
    // Eigen's choice of method: Igamma takes the fraction where x > 1 and
    // x > a, Igammac the series where x < 1 or x < a (they differ at x == 1).
    const V fraction = kUpper ? L::AndNot(L::Or(L::Lt(x, one), L::Lt(x, a)), ordinary)
                              : L::And(ordinary, L::And(L::Gt(x, one), L::Gt(x, a)));
    const V series = L::AndNot(fraction, ordinary);
    if (L::Mask(series) != 0) {
      const V p = Series<L>(a, x, ax, series);
      result = L::Select(series, kUpper ? L::Sub(one, p) : p, result);
    }
    if (L::Mask(fraction) != 0) {
      const V q = ContinuedFraction<L>(a, x, ax, fraction);
      result = L::Select(fraction, kUpper ? q : L::Sub(one, q), result);
    }
  }
  if (L::Mask(ordinary) == L::kAllMask) return result;
  const V rare = L::AndNot(ordinary, L::All());
  return CallPerLaneOver<L>(result, a, x, rare, [](T al, T xl) {
    return kUpper ? Eigen::numext::igammac(al, xl) : Eigen::numext::igamma(al, xl);
  });
}

// out[j] = P or Q(a[j * step_a], x[j * step_x]) for j < n, steps 0 or 1.
template <bool kUpper, typename T>
__attribute__((target("avx2"))) inline void Run(const T* a, int64_t step_a, const T* x, int64_t step_x, T* out,
                                                int64_t n) {
  using L = std::conditional_t<std::is_same_v<T, float>, Avx2Float, Avx2Double>;
  const auto lanes = [](typename L::V av, typename L::V xv)
                         __attribute__((target("avx2"))) { return IncompleteGamma<L, kUpper>(av, xv); };
  RunBinaryLanes<L>(a, step_a, x, step_x, out, n, T(1), T(1), lanes);
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::igamma_lanes_avx2

#endif  // __x86_64__
