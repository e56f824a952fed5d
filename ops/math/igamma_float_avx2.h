// float32 Igamma, 8 lanes at a time, for CPUs with AVX2 (chosen at run time
// by igamma.cc; the baseline build evaluates Eigen's scalar function there).
//
// TF's kernel evaluates Eigen's scalar igamma per element (Eigen has no
// igamma packets): the main term x^a e^-x / Gamma(a) from logf, lgammaf_r
// and expf, then Cephes' power series (x <= 1 or x <= a) or continued
// fraction (then 1 - its value), each until a step changes the result by
// less than machep. Profiled, 42% of its time was those loops, one element
// and one division at a time, and 58% the three library calls. Here the
// loops run in 8 lanes, each lane leaving its loop where the scalar function
// breaks (its result masked from then on): the same IEEE operations in the
// same order (multiply and add separate, as in the baseline and TF's builds:
// no FMA target here), and the library functions are called per lane with
// the same arguments, so every element gets TF's bits. Lanes outside
// 0 < a, x < inf (zero, the domain errors, NaN, infinities) take Eigen's
// scalar function itself. Only the value is computed: Eigen's loops also
// carry the derivative in a, which its value mode discards.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <unsupported/Eigen/SpecialFunctions>
#include <cmath>
#include <cstdint>
#include <limits>

#include "per_lane_call_avx2.h"

namespace opbridge::math::igamma_float_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

OPBRIDGE_AVX2 __m256 Abs(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

// x^a e^-x / Gamma(a) in the lanes of `lanes` (0 where its logarithm is
// below -log(FLT_MAX) or NaN), as Eigen's main_igamma_term.
OPBRIDGE_AVX2 __m256 MainTerm(__m256 a, __m256 x, __m256 lanes) {
  const __m256 log_x = PerLaneCall(x, lanes, [](float v) { return Eigen::numext::log(v); });
  const __m256 log_gamma = PerLaneCall(a, lanes, [](float v) { return Eigen::numext::lgamma(v); });
  const __m256 log_ax = _mm256_sub_ps(_mm256_sub_ps(_mm256_mul_ps(a, log_x), x), log_gamma);
  static const float kLowest = -Eigen::numext::log(Eigen::NumTraits<float>::highest());
  const __m256 zero = _mm256_or_ps(_mm256_cmp_ps(log_ax, _mm256_set1_ps(kLowest), _CMP_LT_OQ),
                                   _mm256_cmp_ps(log_ax, log_ax, _CMP_UNORD_Q));
  const __m256 ax = PerLaneCall(log_ax, _mm256_andnot_ps(zero, lanes), [](float v) { return Eigen::numext::exp(v); });
  return _mm256_andnot_ps(zero, ax);
}

// Cephes' power series for P(a, x), in the lanes of `lanes` (x <= 1 or x <= a).
OPBRIDGE_AVX2 __m256 Series(__m256 a, __m256 x, __m256 ax, __m256 lanes) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 machep = _mm256_set1_ps(Eigen::NumTraits<float>::epsilon() / 2);
  ax = _mm256_div_ps(ax, a);
  __m256 r = a, c = one, ans = one;
  __m256 live = _mm256_andnot_ps(_mm256_cmp_ps(ax, _mm256_setzero_ps(), _CMP_EQ_OQ), lanes);
  for (int i = 0; i < 2000 && _mm256_movemask_ps(live) != 0; ++i) {
    r = _mm256_add_ps(r, one);
    c = _mm256_mul_ps(c, _mm256_div_ps(x, r));
    ans = _mm256_blendv_ps(ans, _mm256_add_ps(ans, c), live);
    live = _mm256_andnot_ps(_mm256_cmp_ps(c, _mm256_mul_ps(machep, ans), _CMP_LE_OQ), live);
  }
  return _mm256_mul_ps(ans, ax);  // 0 where the main term is 0, as Eigen's early return
}

// Cephes' continued fraction for Q(a, x), in the lanes of `lanes` (x > 1, x > a).
OPBRIDGE_AVX2 __m256 ContinuedFraction(__m256 a, __m256 x, __m256 ax, __m256 lanes) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  const __m256 machep = _mm256_set1_ps(Eigen::NumTraits<float>::epsilon() / 2);
  const __m256 big = _mm256_set1_ps(1.0f / (Eigen::NumTraits<float>::epsilon() / 2));
  const __m256 biginv = machep;
  __m256 y = _mm256_sub_ps(one, a);
  __m256 z = _mm256_add_ps(_mm256_add_ps(x, y), one);
  __m256 c = zero;
  __m256 pkm2 = one, qkm2 = x, pkm1 = _mm256_add_ps(x, one), qkm1 = _mm256_mul_ps(z, x);
  __m256 ans = _mm256_div_ps(pkm1, qkm1);
  __m256 live = _mm256_andnot_ps(_mm256_cmp_ps(ax, zero, _CMP_EQ_OQ), lanes);
  for (int i = 0; i < 2000 && _mm256_movemask_ps(live) != 0; ++i) {
    c = _mm256_add_ps(c, one);
    y = _mm256_add_ps(y, one);
    z = _mm256_add_ps(z, two);
    const __m256 yc = _mm256_mul_ps(y, c);
    const __m256 pk = _mm256_sub_ps(_mm256_mul_ps(pkm1, z), _mm256_mul_ps(pkm2, yc));
    const __m256 qk = _mm256_sub_ps(_mm256_mul_ps(qkm1, z), _mm256_mul_ps(qkm2, yc));
    const __m256 step = _mm256_and_ps(live, _mm256_cmp_ps(qk, zero, _CMP_NEQ_UQ));
    const __m256 ans_prev = ans;
    ans = _mm256_blendv_ps(ans, _mm256_div_ps(pk, qk), step);
    const __m256 change = Abs(_mm256_sub_ps(ans_prev, ans));
    const __m256 converged = _mm256_cmp_ps(change, _mm256_mul_ps(machep, Abs(ans)), _CMP_LE_OQ);
    live = _mm256_andnot_ps(_mm256_and_ps(step, converged), live);
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;
    const __m256 rescale = _mm256_cmp_ps(Abs(pk), big, _CMP_GT_OQ);
    if (_mm256_movemask_ps(rescale) != 0) {
      pkm2 = _mm256_blendv_ps(pkm2, _mm256_mul_ps(pkm2, biginv), rescale);
      pkm1 = _mm256_blendv_ps(pkm1, _mm256_mul_ps(pkm1, biginv), rescale);
      qkm2 = _mm256_blendv_ps(qkm2, _mm256_mul_ps(qkm2, biginv), rescale);
      qkm1 = _mm256_blendv_ps(qkm1, _mm256_mul_ps(qkm1, biginv), rescale);
    }
  }
  return _mm256_andnot_ps(_mm256_cmp_ps(ax, zero, _CMP_EQ_OQ), _mm256_mul_ps(ans, ax));
}

OPBRIDGE_AVX2 __m256 Igamma(__m256 a, __m256 x) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f);
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  const __m256 a_ordinary = _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ), _mm256_cmp_ps(a, inf, _CMP_LT_OQ));
  const __m256 x_ordinary = _mm256_and_ps(_mm256_cmp_ps(x, zero, _CMP_GT_OQ), _mm256_cmp_ps(x, inf, _CMP_LT_OQ));
  const __m256 ordinary = _mm256_and_ps(a_ordinary, x_ordinary);
  __m256 result = zero;
  if (_mm256_movemask_ps(ordinary) != 0) {
    const __m256 ax = MainTerm(a, x, ordinary);
    const __m256 fraction =
        _mm256_and_ps(ordinary, _mm256_and_ps(_mm256_cmp_ps(x, one, _CMP_GT_OQ), _mm256_cmp_ps(x, a, _CMP_GT_OQ)));
    const __m256 series = _mm256_andnot_ps(fraction, ordinary);
    if (_mm256_movemask_ps(series) != 0) result = _mm256_blendv_ps(result, Series(a, x, ax, series), series);
    if (_mm256_movemask_ps(fraction) != 0) {
      const __m256 q = ContinuedFraction(a, x, ax, fraction);
      result = _mm256_blendv_ps(result, _mm256_sub_ps(one, q), fraction);
    }
  }
  if (_mm256_movemask_ps(ordinary) == 0xff) return result;
  const __m256 rare = _mm256_andnot_ps(ordinary, _mm256_castsi256_ps(_mm256_set1_epi32(-1)));
  return PerLaneCallOver(result, a, x, rare, [](float al, float xl) { return Eigen::numext::igamma(al, xl); });
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::igamma_float_avx2

#endif  // __x86_64__
