// float32 Spence, 8 lanes at a time, for CPUs with AVX2 (chosen at run time
// by spence.cc; the baseline build evaluates the scalar function there).
//
// TF's kernel evaluates its scalar function per element (no packet path): a
// reduction to y in (0, 2) through a division, the choice of w among three
// branches, two degree-7 polynomials and their quotient, then log and, for
// y < 1/2, log1p. Profiled, 58% of its time was that arithmetic (branches
// and divisions one element at a time) and 40% the two library calls. Here
// the arithmetic runs in 8 lanes with masks: each lane sees the same IEEE
// operations in the same order (multiply and add separate, as in the
// baseline and TF's builds: no FMA target here), and logf and log1pf are
// called per lane with the same arguments (log1pf only for the lanes that
// need it), so every element gets TF's bits.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "lanes_avx2.h"

namespace opbridge::math::spence_float_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

// Horner from the first coefficient, as Eigen's ppolevl: ((c0 w + c1) w + ...).
OPBRIDGE_AVX2 __m256 Polynomial(__m256 w, const float (&c)[8]) {
  __m256 r = _mm256_set1_ps(c[0]);
  for (int k = 1; k < 8; ++k) r = _mm256_add_ps(_mm256_mul_ps(r, w), _mm256_set1_ps(c[k]));
  return r;
}

// The coefficients as spence.cc's (double literals rounded to float there too).
OPBRIDGE_AVX2 __m256 Spence(__m256 x) {
  static constexpr float kP[8] = {
      static_cast<float>(4.65128586073990045278E-5), static_cast<float>(7.31589045238094711071E-3),
      static_cast<float>(1.33847639578309018650E-1), static_cast<float>(8.79691311754530315341E-1),
      static_cast<float>(2.71149851196553469920E0),  static_cast<float>(4.25697156008121755724E0),
      static_cast<float>(3.29771340985225106936E0),  static_cast<float>(1.00000000000000000126E0)};
  static constexpr float kQ[8] = {
      static_cast<float>(6.90990488912553276999E-4), static_cast<float>(2.54043763932544379113E-2),
      static_cast<float>(2.82974860602568089943E-1), static_cast<float>(1.41172597751831069617E0),
      static_cast<float>(3.63800533345137075418E0),  static_cast<float>(5.03278880143316990390E0),
      static_cast<float>(3.54771340985225096217E0),  static_cast<float>(9.99999999999999998740E-1)};
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), half = _mm256_set1_ps(0.5f);
  const __m256 one_and_half = _mm256_set1_ps(1.5f);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 pi2_over_6 = _mm256_set1_ps(static_cast<float>(EIGEN_PI * EIGEN_PI / 6.0));

  const __m256 y = _mm256_blendv_ps(_mm256_div_ps(one, x), x, _mm256_cmp_ps(x, _mm256_set1_ps(2.0f), _CMP_LT_OQ));
  const __m256 above = _mm256_cmp_ps(one_and_half, y, _CMP_LT_OQ);  // 1.5 < y
  const __m256 below = _mm256_cmp_ps(y, half, _CMP_LT_OQ);          // y < 0.5
  __m256 w = _mm256_sub_ps(y, one);
  w = _mm256_blendv_ps(w, _mm256_xor_ps(y, sign), below);
  w = _mm256_blendv_ps(w, _mm256_sub_ps(_mm256_div_ps(one, y), one), above);
  __m256 s = _mm256_mul_ps(_mm256_xor_ps(w, sign), _mm256_div_ps(Polynomial(w, kP), Polynomial(w, kQ)));

  // The scalar function returns before its logarithms for x < 0, 0 and 1
  // (and NaN, which compares false everywhere, goes on, as there).
  const __m256 early = _mm256_or_ps(_mm256_cmp_ps(x, zero, _CMP_LE_OQ), _mm256_cmp_ps(x, one, _CMP_EQ_OQ));
  const __m256 z = CallPerLane<Avx2Float>(y, _mm256_andnot_ps(early, Avx2Float::All()),
                                          [](float v) { return std::log(v); });
  const __m256 reflect = _mm256_andnot_ps(early, below);
  if (_mm256_movemask_ps(reflect) != 0) {
    const __m256 log1p =
        CallPerLane<Avx2Float>(_mm256_xor_ps(y, sign), reflect, [](float v) { return std::log1p(v); });
    const __m256 r = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_xor_ps(z, sign), log1p), pi2_over_6), s);
    s = _mm256_blendv_ps(s, r, reflect);
  }
  const __m256 invert = _mm256_cmp_ps(one_and_half, x, _CMP_LT_OQ);  // 1.5 < x
  s = _mm256_blendv_ps(s, _mm256_sub_ps(_mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(-0.5f), z), z), s), invert);

  s = _mm256_blendv_ps(s, pi2_over_6, _mm256_cmp_ps(x, zero, _CMP_EQ_OQ));
  s = _mm256_blendv_ps(s, zero, _mm256_cmp_ps(x, one, _CMP_EQ_OQ));
  return _mm256_blendv_ps(s, _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN()),
                          _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
}

#undef OPBRIDGE_AVX2

// y = spence(x) of in[0, n), n a multiple of 8 (float_lanes.h's
// ApplyFloatLanes gives the rest to the scalar function).
__attribute__((target("avx2"))) inline void Apply(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Spence(_mm256_loadu_ps(in + i)));
}

}  // namespace opbridge::math::spence_float_avx2

#endif  // __x86_64__
