// float32 Zeta, 8 lanes at a time, for CPUs with AVX2 (chosen at run time by
// zeta.cc; the baseline build evaluates Eigen's scalar function there).
//
// TF's kernel evaluates Eigen's scalar zeta per element (Eigen has no zeta
// packets): s = q^-x, then up to 9 terms (q + n)^-x until a term is below
// machep of the sum, then up to 12 Euler-Maclaurin corrections until one is.
// Profiled, 57% of its time was that arithmetic (a division or four per
// term, one element at a time) and 39% powf. Here the arithmetic runs in 8
// lanes, each lane leaving its loop where the scalar function would (its
// sum masked from then on): the same IEEE operations in the same order
// (multiply and add separate, as in the baseline and TF's builds: no FMA
// target here), and powf is called per lane with the same arguments, so
// every element gets TF's bits. Lanes outside x > 1, q > 0 (poles, NaN, the
// negative-q rules) take Eigen's scalar function itself.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <unsupported/Eigen/SpecialFunctions>
#include <cmath>
#include <cstdint>

#include "binary_float_lanes_avx2.h"
#include "per_lane_call_avx2.h"

namespace opbridge::math::zeta_float_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

OPBRIDGE_AVX2 __m256 AllLanes() { return _mm256_castsi256_ps(_mm256_set1_epi32(-1)); }

OPBRIDGE_AVX2 __m256 Abs(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

// zeta(x, q) in the lanes of `wanted` (the others are left unspecified).
OPBRIDGE_AVX2 __m256 Zeta(__m256 x, __m256 q, __m256 wanted) {
  // Eigen's A[i], double literals rounded to float as Eigen's Scalar(...) does.
  static constexpr float kA[12] = {
      12.0f, -720.0f, 30240.0f, -1209600.0f, 47900160.0f, static_cast<float>(-1.8924375803183791606e9),
      static_cast<float>(7.47242496e10), static_cast<float>(-2.950130727918164224e12),
      static_cast<float>(1.1646782814350067249e14), static_cast<float>(-4.5979787224074726105e15),
      static_cast<float>(1.8152105401943546773e17), static_cast<float>(-7.1661652561756670113e18)};
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  const __m256 machep = _mm256_set1_ps(Eigen::NumTraits<float>::epsilon() / 2);
  const __m256 minus_x = _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
  const auto pow = [](float base, float exponent) { return std::pow(base, exponent); };

  const __m256 ordinary =
      _mm256_and_ps(wanted, _mm256_and_ps(_mm256_cmp_ps(x, one, _CMP_GT_OQ), _mm256_cmp_ps(q, zero, _CMP_GT_OQ)));
  __m256 s = PerLaneCall(q, minus_x, ordinary, pow);
  __m256 a = q, b = zero;
  // The series: lanes leave when their term is below machep of their sum.
  __m256 live = ordinary;
  for (int i = 0; i < 9 && _mm256_movemask_ps(live) != 0; ++i) {
    a = _mm256_add_ps(a, one);
    b = PerLaneCall(a, minus_x, live, pow);
    s = _mm256_blendv_ps(s, _mm256_add_ps(s, b), live);
    live = _mm256_andnot_ps(_mm256_cmp_ps(Abs(_mm256_div_ps(b, s)), machep, _CMP_LT_OQ), live);
  }
  // Lanes whose last term is zero stop too (their corrections would be zero).
  live = _mm256_andnot_ps(_mm256_cmp_ps(b, zero, _CMP_EQ_OQ), live);
  if (_mm256_movemask_ps(live) != 0) {
    const __m256 w = a;
    s = _mm256_blendv_ps(s, _mm256_add_ps(s, _mm256_div_ps(_mm256_mul_ps(b, w), _mm256_sub_ps(x, one))), live);
    s = _mm256_blendv_ps(s, _mm256_sub_ps(s, _mm256_mul_ps(_mm256_set1_ps(0.5f), b)), live);
    a = one;
    __m256 k = zero;
    for (int i = 0; i < 12 && _mm256_movemask_ps(live) != 0; ++i) {
      a = _mm256_mul_ps(a, _mm256_add_ps(x, k));
      b = _mm256_div_ps(b, w);
      const __m256 t = _mm256_div_ps(_mm256_mul_ps(a, b), _mm256_set1_ps(kA[i]));
      s = _mm256_blendv_ps(s, _mm256_add_ps(s, t), live);
      live = _mm256_andnot_ps(_mm256_cmp_ps(Abs(_mm256_div_ps(t, s)), machep, _CMP_LT_OQ), live);
      k = _mm256_add_ps(k, one);
      a = _mm256_mul_ps(a, _mm256_add_ps(x, k));
      b = _mm256_div_ps(b, w);
      k = _mm256_add_ps(k, one);
    }
  }
  const __m256 rare = _mm256_andnot_ps(ordinary, wanted);
  if (_mm256_movemask_ps(rare) == 0) return s;
  return PerLaneCallOver(s, x, q, rare, [](float xl, float ql) { return Eigen::numext::zeta(xl, ql); });
}


// out[j] = zeta(x[j * step_x], q[j * step_q]) for j < n, steps 0 or 1.
__attribute__((target("avx2"))) inline void Run(const float* x, int64_t step_x, const float* q, int64_t step_q,
                                                float* out, int64_t n) {
  const auto lanes = [](__m256 a, __m256 b) __attribute__((target("avx2"))) { return Zeta(a, b, AllLanes()); };
  binary_float_lanes_avx2::Run(x, step_x, q, step_q, out, n, 2.0f, 1.0f, lanes);
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::zeta_float_avx2

#endif  // __x86_64__
