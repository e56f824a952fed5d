// Zeta in AVX2 lanes, 8 floats or 4 doubles at a time (lanes_avx2.h), for
// CPUs with AVX2 (chosen at run time by zeta.cc and polygamma.cc; the
// baseline build evaluates Eigen's scalar function there).
//
// TF's kernel evaluates Eigen's scalar zeta per element (Eigen has no zeta
// packets): s = q^-x, then terms (q + n)^-x until one is below machep of the
// sum (at most 9; in double also while q + n <= 9), then up to 12
// Euler-Maclaurin corrections until one is. Profiled (float), 57% of its time
// was that arithmetic (a division or four per term, one element at a time)
// and 39% powf. Here the arithmetic runs in lanes, each lane leaving its loop
// where the scalar function would (its sum masked from then on): the same
// IEEE operations in the same order (multiply and add separate, as in the
// baseline and TF's builds: no FMA target here), and pow is called per lane
// with the same arguments, so every element gets TF's bits. Lanes outside
// x > 1, q > 0 (poles, NaN, the negative-q rules) take Eigen's scalar
// function itself.
#pragma once

#if defined(__x86_64__)

#include <unsupported/Eigen/SpecialFunctions>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "lanes_avx2.h"

namespace opbridge::math::zeta_lanes_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

// zeta(x, q) in the lanes of `wanted` (the others are left unspecified).
template <typename L>
OPBRIDGE_AVX2 typename L::V Zeta(typename L::V x, typename L::V q, typename L::V wanted) {
  using T = typename L::T;
  using V = typename L::V;
  // Eigen's A[i], double literals rounded to T as Eigen's Scalar(...) does.
  static constexpr T kA[12] = {T(12.0),
                               T(-720.0),
                               T(30240.0),
                               T(-1209600.0),
                               T(47900160.0),
                               T(-1.8924375803183791606e9),
                               T(7.47242496e10),
                               T(-2.950130727918164224e12),
                               T(1.1646782814350067249e14),
                               T(-4.5979787224074726105e15),
                               T(1.8152105401943546773e17),
                               T(-7.1661652561756670113e18)};
  const V zero = L::Zero(), one = L::Set(T(1));
  const V machep = L::Set(Eigen::internal::cephes_helper<T>::machep());
  const V minus_x = L::Neg(x);
  const auto pow = [](T base, T exponent) { return std::pow(base, exponent); };

  const V ordinary = L::And(wanted, L::And(L::Gt(x, one), L::Gt(q, zero)));
  V s = CallPerLaneOver<L>(x, q, minus_x, ordinary, pow);
  V a = q, b = zero;
  // The series: lanes leave when their term is below machep of their sum
  // (done), or after 9 terms (double: once q + n > 9 too) for the corrections.
  // a runs on in every lane: were it masked, each pow's argument would wait
  // for the previous pow's result (through the mask), and the calls could not
  // overlap (measured: 1.4x the time). w keeps each lane's last a.
  V live = ordinary;  // not done
  V summing = ordinary;
  V w = a;
  for (int i = 0; L::Mask(summing) != 0; ++i) {
    if (i >= 9) {
      if constexpr (std::is_same_v<T, float>) break;
      summing = L::And(summing, L::Le(a, L::Set(T(9))));
      if (L::Mask(summing) == 0) break;
    }
    a = L::Add(a, one);
    w = L::Select(summing, a, w);
    b = CallPerLaneOver<L>(b, a, minus_x, summing, pow);
    s = L::Select(summing, L::Add(s, b), s);
    const V converged = L::Lt(L::Abs(L::Div(b, s)), machep);
    live = L::AndNot(L::And(summing, converged), live);
    summing = L::AndNot(converged, summing);
  }
  // Lanes whose last term is zero stop too (their corrections would be zero).
  live = L::AndNot(L::Eq(b, zero), live);
  if (L::Mask(live) != 0) {
    s = L::Select(live, L::Add(s, L::Div(L::Mul(b, w), L::Sub(x, one))), s);
    s = L::Select(live, L::Sub(s, L::Mul(L::Set(T(0.5)), b)), s);
    a = one;
    V k = zero;
    for (int i = 0; i < 12 && L::Mask(live) != 0; ++i) {
      a = L::Mul(a, L::Add(x, k));
      b = L::Div(b, w);
      const V t = L::Div(L::Mul(a, b), L::Set(kA[i]));
      s = L::Select(live, L::Add(s, t), s);
      live = L::AndNot(L::Lt(L::Abs(L::Div(t, s)), machep), live);
      k = L::Add(k, one);
      a = L::Mul(a, L::Add(x, k));
      b = L::Div(b, w);
      k = L::Add(k, one);
    }
  }
  const V rare = L::AndNot(ordinary, wanted);
  if (L::Mask(rare) == 0) return s;
  return CallPerLaneOver<L>(s, x, q, rare, [](T xl, T ql) { return Eigen::numext::zeta(xl, ql); });
}

// out[j] = zeta(x[j * step_x], q[j * step_q]) for j < n, steps 0 or 1.
template <typename T>
__attribute__((target("avx2"))) inline void Run(const T* x, int64_t step_x, const T* q, int64_t step_q, T* out,
                                                int64_t n) {
  using L = std::conditional_t<std::is_same_v<T, float>, Avx2Float, Avx2Double>;
  const auto lanes = [](typename L::V a, typename L::V b)
                         __attribute__((target("avx2"))) { return Zeta<L>(a, b, L::All()); };
  RunBinaryLanes<L>(x, step_x, q, step_q, out, n, T(2), T(1), lanes);
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::zeta_lanes_avx2

#endif  // __x86_64__
