// float32 Digamma, 8 lanes at a time, for CPUs with AVX2 (chosen at run time
// by digamma.cc; the baseline build evaluates Eigen's scalar functor).
//
// TF's kernel runs Eigen's scalar digamma per element (Eigen declares no
// packet digamma): reflection through tan for x <= 0, the recurrence
// psi(x) = psi(x + 1) - 1/x until x >= 10, then log(x) - 1/2x - the
// asymptotic series. Its two data-dependent branches (the sign, the loop's
// trip count) mispredict on mixed inputs, which made it ~130 cycles an
// element. Here the same operations run in 8 lanes with masks: each lane sees
// the same IEEE operations in the same order (multiply and add separate, as
// in the baseline and TF's builds: no FMA target here), and the two library
// calls (tanf for the reflection, logf) are made per lane with the same
// arguments, so every element gets TF's bits.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "per_lane_call_avx2.h"

namespace opbridge::math::digamma_float_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

OPBRIDGE_AVX2 __m256 Set(float v) { return _mm256_set1_ps(v); }

OPBRIDGE_AVX2 __m256 Digamma(__m256 x) {
  const __m256 zero = _mm256_setzero_ps(), one = Set(1.0f), half = Set(0.5f);
  const __m256 pi = Set(static_cast<float>(3.141592653589793238462643383279502884));
  const __m256 negative = _mm256_cmp_ps(x, zero, _CMP_LE_OQ);
  __m256 nz = zero;
  __m256 pole = zero;  // x a non-positive integer (or -inf): NaN
  if (_mm256_movemask_ps(negative) != 0) {
    // Eigen: p = floor(x); p == x: NaN; nz = x - p; nz != 1/2: (nz > 1/2: p += 1,
    // nz = x - p), nz = pi / tan(pi nz); nz == 1/2: nz = 0; x = 1 - x.
    const __m256 q = x;
    __m256 p = _mm256_floor_ps(q);
    pole = _mm256_and_ps(negative, _mm256_cmp_ps(p, q, _CMP_EQ_OQ));
    __m256 frac = _mm256_sub_ps(q, p);
    const __m256 not_half = _mm256_cmp_ps(frac, half, _CMP_NEQ_UQ);
    const __m256 above = _mm256_cmp_ps(frac, half, _CMP_GT_OQ);
    p = _mm256_blendv_ps(p, _mm256_add_ps(p, one), above);
    frac = _mm256_blendv_ps(frac, _mm256_sub_ps(q, p), above);
    const __m256 reflect = _mm256_andnot_ps(pole, _mm256_and_ps(negative, not_half));
    const __m256 tangent =
        PerLaneCall(_mm256_mul_ps(pi, frac), reflect, [](float v) { return std::tan(v); });
    nz = _mm256_and_ps(reflect, _mm256_div_ps(pi, tangent));
    x = _mm256_blendv_ps(x, _mm256_sub_ps(one, x), negative);
  }
  // w = sum of 1/s while s < 10, s += 1 (a lane stops when its s reaches 10).
  __m256 s = x, w = zero;
  for (__m256 more = _mm256_cmp_ps(s, Set(10.0f), _CMP_LT_OQ); _mm256_movemask_ps(more) != 0;
       more = _mm256_cmp_ps(s, Set(10.0f), _CMP_LT_OQ)) {
    w = _mm256_blendv_ps(w, _mm256_add_ps(w, _mm256_div_ps(one, s)), more);
    s = _mm256_blendv_ps(s, _mm256_add_ps(s, one), more);
  }
  // Eigen's digamma_impl_maybe_poly<float>: s < 1e8: z A(z), z = 1/s^2, A by
  // Horner from its first coefficient; else 0.
  const __m256 z = _mm256_div_ps(one, _mm256_mul_ps(s, s));
  __m256 a = Set(-4.16666666666666666667E-3f);
  a = _mm256_add_ps(_mm256_mul_ps(a, z), Set(3.96825396825396825397E-3f));
  a = _mm256_add_ps(_mm256_mul_ps(a, z), Set(-8.33333333333333333333E-3f));
  a = _mm256_add_ps(_mm256_mul_ps(a, z), Set(8.33333333333333333333E-2f));
  const __m256 series = _mm256_and_ps(_mm256_cmp_ps(s, Set(1.0e8f), _CMP_LT_OQ), _mm256_mul_ps(z, a));
  const __m256 log_s = PerLaneCall(s, _mm256_castsi256_ps(_mm256_set1_epi32(-1)), [](float v) { return std::log(v); });
  __m256 y = _mm256_sub_ps(_mm256_sub_ps(_mm256_sub_ps(log_s, _mm256_div_ps(half, s)), series), w);
  y = _mm256_blendv_ps(y, _mm256_sub_ps(y, nz), negative);
  return _mm256_blendv_ps(y, Set(std::numeric_limits<float>::quiet_NaN()), pole);
}

#undef OPBRIDGE_AVX2

// y = digamma(x) of in[0, n): groups of 8, the rest through one padded group
// (padding 1: the same operations for every element).
__attribute__((target("avx2"))) inline void Apply(const float* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, Digamma(_mm256_loadu_ps(in + i)));
  if (i == n) return;
  alignas(32) float rest[8] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
  for (int64_t j = i; j < n; ++j) rest[j - i] = in[j];
  _mm256_store_ps(rest, Digamma(_mm256_load_ps(rest)));
  for (int64_t j = i; j < n; ++j) out[j] = rest[j - i];
}

}  // namespace opbridge::math::digamma_float_avx2

#endif  // __x86_64__
