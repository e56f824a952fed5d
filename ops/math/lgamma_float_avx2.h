// The float32 lgamma of lgamma_float.h, 8 lanes wide with AVX2 and FMA, for
// the CPUs that have them (chosen at run time: the library itself is built for
// baseline x86-64, so that it loads everywhere).
//
// Same regions and special lanes as lgamma_float.h. Eigen is not used here: its
// packet types are fixed at compile time, and AVX2-compiled Eigen templates in
// this library could stand in for the baseline ones elsewhere. Every function
// carries the target attribute and stays inside this header's namespace, and
// log and sin(pi r) are written out:
//   log(x) = e ln 2 + 2 atanh(f / (2 + f)), x = 2^e (1 + f), 1 + f in [sqrt(1/2), sqrt(2))
//   sin(pi r) = pi r (1 - (pi r)^2/3! + ...), |r| <= 1/2, Taylor to degree 15.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "lgamma_float.h"

namespace opbridge::math::lgamma_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

OPBRIDGE_AVX2 __m256 Set(float v) { return _mm256_set1_ps(v); }

OPBRIDGE_AVX2 __m256 Select(__m256 mask, __m256 a, __m256 b) { return _mm256_blendv_ps(b, a, mask); }

OPBRIDGE_AVX2 bool Any(__m256 mask) { return _mm256_movemask_ps(mask) != 0; }

// log of positive, finite, normal lanes (other lanes: garbage, fixed by the caller).
OPBRIDGE_AVX2 __m256 Log(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  __m256i exponent = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
  __m256 m = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f800000)));
  const __m256 above = _mm256_cmp_ps(m, Set(1.41421356f), _CMP_GT_OQ);
  m = Select(above, _mm256_mul_ps(m, Set(0.5f)), m);
  exponent = _mm256_add_epi32(exponent, _mm256_and_si256(_mm256_castps_si256(above), _mm256_set1_epi32(1)));
  const __m256 f = _mm256_sub_ps(m, Set(1.0f));
  const __m256 s = _mm256_div_ps(f, _mm256_add_ps(f, Set(2.0f)));
  const __m256 s2 = _mm256_mul_ps(s, s);
  __m256 p = Set(1.0f / 11);
  p = _mm256_fmadd_ps(p, s2, Set(1.0f / 9));
  p = _mm256_fmadd_ps(p, s2, Set(1.0f / 7));
  p = _mm256_fmadd_ps(p, s2, Set(1.0f / 5));
  p = _mm256_fmadd_ps(p, s2, Set(1.0f / 3));
  const __m256 two_s = _mm256_add_ps(s, s);
  const __m256 log1p = _mm256_fmadd_ps(_mm256_mul_ps(two_s, s2), p, two_s);
  const __m256 e = _mm256_cvtepi32_ps(exponent);
  // ln 2 split so that e * hi is exact.
  return _mm256_fmadd_ps(e, Set(0.693145752f), _mm256_fmadd_ps(e, Set(1.42860677e-06f), log1p));
}

// |sin(pi r)| for |r| <= 1/2.
OPBRIDGE_AVX2 __m256 AbsSinPi(__m256 r) {
  const __m256 t = _mm256_mul_ps(r, Set(3.14159265358979f));
  const __m256 t2 = _mm256_mul_ps(t, t);
  constexpr float kInverseFactorials[8] = {1.0f,          -1.0f / 6,          1.0f / 120,         -1.0f / 5040,
                                           1.0f / 362880, -1.0f / 39916800.0f, 1.0f / 6227020800.0f,
                                           -1.0f / 1307674368000.0f};
  __m256 p = Set(kInverseFactorials[7]);
  for (int i = 6; i >= 0; --i) p = _mm256_fmadd_ps(p, t2, Set(kInverseFactorials[i]));
  return _mm256_andnot_ps(Set(-0.0f), _mm256_mul_ps(t, p));
}

// lgamma for lanes y >= 0.5 (others: any finite value, result ignored).
OPBRIDGE_AVX2 __m256 FromHalf(__m256 y, const LgammaSeries& series) {
  const __m256 one = Set(1.0f);
  const __m256 seven = Set(7.0f);
  const __m256 small = _mm256_cmp_ps(y, seven, _CMP_LT_OQ);
  __m256 near2 = one;
  if (Any(small)) {
    const __m256 low = _mm256_cmp_ps(y, Set(1.5f), _CMP_LT_OQ);
    __m256 s = Select(low, _mm256_add_ps(y, one), y);
    __m256 product = one;
    for (int step = 0; step < 5; ++step) {
      const __m256 down =
          _mm256_and_ps(_mm256_cmp_ps(s, Set(2.5f), _CMP_GT_OQ), _mm256_cmp_ps(s, seven, _CMP_LT_OQ));
      product = Select(down, _mm256_mul_ps(product, _mm256_sub_ps(s, one)), product);
      s = Select(down, _mm256_sub_ps(s, one), s);
    }
    const __m256 logs = Log(Select(low, y, product));
    const __m256 shift = Select(low, _mm256_sub_ps(_mm256_setzero_ps(), logs), logs);
    const __m256 e = Select(low, _mm256_sub_ps(y, one), _mm256_sub_ps(s, Set(2.0f)));
    __m256 h = Set(series.at2[LgammaSeries::kTerms]);
    for (int i = LgammaSeries::kTerms - 1; i >= 0; --i) h = _mm256_fmadd_ps(h, e, Set(series.at2[i]));
    near2 = _mm256_add_ps(h, shift);
  }
  if (!Any(_mm256_cmp_ps(y, seven, _CMP_GE_OQ))) return near2;
  const __m256 big = _mm256_max_ps(y, seven);
  const __m256 inv = _mm256_div_ps(one, big);
  const __m256 inv2 = _mm256_mul_ps(inv, inv);
  const __m256 correction = _mm256_mul_ps(
      inv, _mm256_fmadd_ps(inv2, _mm256_fmadd_ps(inv2, Set(1.0f / 1260), Set(-1.0f / 360)), Set(1.0f / 12)));
  const __m256 stirling = _mm256_add_ps(_mm256_fmsub_ps(_mm256_sub_ps(big, Set(0.5f)), Log(big), big),
                                        _mm256_add_ps(Set(0.918938533f), correction));
  return Select(small, near2, stirling);
}

__attribute__((target("avx2,fma"))) inline void LgammaFloat(const float* in, float* out, int64_t n) {
  static const LgammaSeries series;
  const __m256 one = Set(1.0f);
  for (int64_t start = 0; start < n; start += 8) {
    alignas(32) float x[8];
    alignas(32) float r[8];
    alignas(32) float sine_lanes[8];
    const int lanes = static_cast<int>(std::min<int64_t>(8, n - start));
    for (int k = 0; k < 8; ++k) x[k] = k < lanes ? in[start + k] : 1.0f;
    const __m256 px = _mm256_load_ps(x);
    const __m256 abs_x = _mm256_andnot_ps(Set(-0.0f), px);
    const __m256 finite = Select(_mm256_cmp_ps(abs_x, Set(3.0e38f), _CMP_LT_OQ), px, one);
    const __m256 reflect = _mm256_cmp_ps(finite, Set(0.5f), _CMP_LT_OQ);
    __m256 result;
    __m256 sine = one;
    if (!Any(reflect)) {
      result = FromHalf(finite, series);
    } else {
      const __m256 lg = FromHalf(Select(reflect, _mm256_sub_ps(one, finite), finite), series);
      const __m256 nearest = _mm256_round_ps(finite, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      sine = AbsSinPi(_mm256_sub_ps(finite, nearest));
      const __m256 reflected = _mm256_sub_ps(Log(_mm256_div_ps(Set(3.14159265358979f), sine)), lg);
      result = Select(reflect, reflected, lg);
    }
    // The lanes lgamma_float.h hands to the C library, by the same rules.
    const __m256 needs_fix = _mm256_or_ps(
        _mm256_or_ps(_mm256_cmp_ps(abs_x, Set(3.0e38f), _CMP_NLT_UQ),
                     _mm256_or_ps(_mm256_cmp_ps(abs_x, Set(std::numeric_limits<float>::min()), _CMP_LT_OQ),
                                  _mm256_or_ps(_mm256_cmp_ps(px, one, _CMP_EQ_OQ),
                                               _mm256_cmp_ps(px, Set(2.0f), _CMP_EQ_OQ)))),
        _mm256_and_ps(reflect, _mm256_or_ps(_mm256_cmp_ps(sine, _mm256_setzero_ps(), _CMP_EQ_OQ),
                                            _mm256_cmp_ps(_mm256_andnot_ps(Set(-0.0f), result), one,
                                                          _CMP_LT_OQ))));
    if (lanes == 8 && !Any(needs_fix)) {
      _mm256_storeu_ps(out + start, result);
      continue;
    }
    _mm256_store_ps(r, result);
    _mm256_store_ps(sine_lanes, sine);
    for (int k = 0; k < lanes; ++k) out[start + k] = FixLane(x[k], r[k], sine_lanes[k]);
  }
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::lgamma_avx2

#endif  // __x86_64__
