// float32 and float64 StatelessRandomNormal's Philox blocks and Box-Muller
// pairs, eight blocks at a time, for CPUs with AVX2 (philox.h's FillPhilox
// chooses it at run time; the baseline build draws one block at a time).
//
// Profiled, half of the op's time was Philox's ten rounds and the
// arithmetic around the two library calls, one block at a time; the other
// half logf and sincosf (float64: 40% and 60% log and sincos). Here eight consecutive counters run their rounds in
// the lanes of four vectors (one per word), and the Box-Muller arithmetic
// runs in lanes too: integer steps are exact, the float and double steps are
// the same IEEE operations as philox.h's BoxMullerFloat and BoxMullerDouble
// (sqrt included), and log and sincos are called per lane with the same
// arguments, so the output is TF's, bit for bit.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cmath>
#include <cstdint>

namespace opbridge::random::normal_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

// The high 32 bits of each lane's 32x32-bit product (the multiply takes
// even lanes only, so odd lanes go through a second one).
OPBRIDGE_AVX2 __m256i MulHigh(__m256i a, __m256i m) {
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(a, m), 32);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(m, 32));
  return _mm256_blend_epi32(even, odd, 0xaa);
}

// Philox4x32-10 of the counters (c0 + i, c1, c2, c3), i = 0..7 (the caller
// makes sure c0 + 7 does not wrap), as philox.h's Philox::operator().
OPBRIDGE_AVX2 void Blocks(const uint32_t counter[4], uint32_t k0, uint32_t k1, __m256i words[4]) {
  const __m256i steps = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(counter[0])), steps);
  __m256i c1 = _mm256_set1_epi32(static_cast<int>(counter[1]));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(counter[2]));
  __m256i c3 = _mm256_set1_epi32(static_cast<int>(counter[3]));
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const __m256i high0 = MulHigh(c0, m0), low0 = _mm256_mullo_epi32(c0, m0);
    const __m256i high1 = MulHigh(c2, m1), low1 = _mm256_mullo_epi32(c2, m1);
    c0 = _mm256_xor_si256(_mm256_xor_si256(high1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
    c1 = low1;
    c2 = _mm256_xor_si256(_mm256_xor_si256(high0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
    c3 = low0;
  }
  words[0] = c0;
  words[1] = c1;
  words[2] = c2;
  words[3] = c3;
}

// Bits to [0, 1) as philox.h's Uint32ToFloat: the mantissa of [1, 2), minus 1.
OPBRIDGE_AVX2 __m256 ToUnit(__m256i x) {
  const __m256i bits = _mm256_or_si256(_mm256_and_si256(x, _mm256_set1_epi32(0x7fffff)), _mm256_set1_epi32(127 << 23));
  return _mm256_sub_ps(_mm256_castsi256_ps(bits), _mm256_set1_ps(1.0f));
}

// philox.h's BoxMullerFloat in lanes: sin and cos times the radius.
OPBRIDGE_AVX2 void BoxMuller(__m256i x0, __m256i x1, __m256* f0, __m256* f1) {
  __m256 u1 = ToUnit(x0);
  u1 = _mm256_blendv_ps(u1, _mm256_set1_ps(1.0e-7f), _mm256_cmp_ps(u1, _mm256_set1_ps(1.0e-7f), _CMP_LT_OQ));
  // The angle in double, rounded to float once: 2 * pi is a double in TF.
  const __m256 u = ToUnit(x1);
  const __m256d two_pi = _mm256_set1_pd(2.0 * M_PI);
  const __m128 angle_low = _mm256_cvtpd_ps(_mm256_mul_pd(two_pi, _mm256_cvtps_pd(_mm256_castps256_ps128(u))));
  const __m128 angle_high = _mm256_cvtpd_ps(_mm256_mul_pd(two_pi, _mm256_cvtps_pd(_mm256_extractf128_ps(u, 1))));
  alignas(32) float radii[8], angles[8], sines[8], cosines[8];
  _mm256_store_ps(radii, u1);
  _mm_store_ps(angles, angle_low);
  _mm_store_ps(angles + 4, angle_high);
  for (int l = 0; l < 8; ++l) {
    radii[l] = std::log(radii[l]);
    ::sincosf(angles[l], &sines[l], &cosines[l]);
  }
  const __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), _mm256_load_ps(radii)));
  *f0 = _mm256_mul_ps(_mm256_load_ps(sines), radius);
  *f1 = _mm256_mul_ps(_mm256_load_ps(cosines), radius);
}

// Bits to [0, 1) as philox.h's Uint64ToDouble, for four lanes: the low 20
// bits of `high` and all of `low` make the mantissa of [1, 2), minus 1.
OPBRIDGE_AVX2 __m256d ToUnit(__m128i high, __m128i low) {
  const __m256i mantissa_high =
      _mm256_slli_epi64(_mm256_and_si256(_mm256_cvtepu32_epi64(high), _mm256_set1_epi64x(0xfffff)), 32);
  const __m256i bits = _mm256_or_si256(_mm256_or_si256(mantissa_high, _mm256_cvtepu32_epi64(low)),
                                       _mm256_set1_epi64x(int64_t{1023} << 52));
  return _mm256_sub_pd(_mm256_castsi256_pd(bits), _mm256_set1_pd(1.0));
}

// philox.h's BoxMullerDouble in four lanes, from words (x0, x1, x2, x3).
OPBRIDGE_AVX2 void BoxMuller(__m128i x0, __m128i x1, __m128i x2, __m128i x3, __m256d* d0, __m256d* d1) {
  __m256d u1 = ToUnit(x0, x1);
  u1 = _mm256_blendv_pd(u1, _mm256_set1_pd(1.0e-7), _mm256_cmp_pd(u1, _mm256_set1_pd(1.0e-7), _CMP_LT_OQ));
  const __m256d angle = _mm256_mul_pd(_mm256_set1_pd(2 * M_PI), ToUnit(x2, x3));
  alignas(32) double radii[4], angles[4], sines[4], cosines[4];
  _mm256_store_pd(radii, u1);
  _mm256_store_pd(angles, angle);
  for (int l = 0; l < 4; ++l) {
    radii[l] = std::log(radii[l]);
    ::sincos(angles[l], &sines[l], &cosines[l]);
  }
  const __m256d radius = _mm256_sqrt_pd(_mm256_mul_pd(_mm256_set1_pd(-2.0), _mm256_load_pd(radii)));
  *d0 = _mm256_mul_pd(_mm256_load_pd(sines), radius);
  *d1 = _mm256_mul_pd(_mm256_load_pd(cosines), radius);
}

// The values of the eight groups from counters (c0 + i, c1, c2, c3): group
// i's block gives out[4i .. 4i + 3] in float (two Box-Muller pairs), out[2i],
// out[2i + 1] in double (one pair from its four words).
__attribute__((target("avx2"))) inline void Groups(const uint32_t counter[4], uint32_t k0, uint32_t k1, float* out) {
  __m256i words[4];
  Blocks(counter, k0, k1, words);
  __m256 f[4];
  BoxMuller(words[0], words[1], &f[0], &f[1]);
  BoxMuller(words[2], words[3], &f[2], &f[3]);
  alignas(32) float lanes[4][8];
  for (int j = 0; j < 4; ++j) _mm256_store_ps(lanes[j], f[j]);
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) out[4 * i + j] = lanes[j][i];
  }
}

__attribute__((target("avx2"))) inline void Groups(const uint32_t counter[4], uint32_t k0, uint32_t k1, double* out) {
  __m256i words[4];
  Blocks(counter, k0, k1, words);
  alignas(32) double lanes[2][8];
  for (int half = 0; half < 2; ++half) {
    const auto word = [&](int w) __attribute__((target("avx2"))) {
      return half == 0 ? _mm256_castsi256_si128(words[w]) : _mm256_extracti128_si256(words[w], 1);
    };
    __m256d d0, d1;
    BoxMuller(word(0), word(1), word(2), word(3), &d0, &d1);
    _mm256_store_pd(lanes[0] + 4 * half, d0);
    _mm256_store_pd(lanes[1] + 4 * half, d1);
  }
  for (int i = 0; i < 8; ++i) {
    out[2 * i] = lanes[0][i];
    out[2 * i + 1] = lanes[1][i];
  }
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::random::normal_avx2

#endif  // __x86_64__
