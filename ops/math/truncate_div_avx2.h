// TruncateDiv's float64 and half runs on AVX2 CPUs (truncate_div.cc). The
// baseline x86-64 build has neither a vector round (SSE4.1) nor F16C, so its
// loops truncate one element at a time and, for half, convert every operand
// and both roundings in software: f16 [1048576] took 10x TF's time, f64 1.3x.
//
// The same values as the scalar formulas, element for element:
// - double: vdivpd rounds the quotient as divsd does, and vroundpd toward zero
//   is trunc (signed zeros, infinities and the quotient's NaN pass through).
// - half: TF divides in float and rounds to half (Eigen::half's operator/),
//   then truncates that half (trunc of a half is a half, so the last rounding
//   is exact): cvtph2ps, vdivps, vcvtps2ph to nearest, back, vroundps toward
//   zero, vcvtps2ph. F16C keeps a NaN's payload where Eigen's software
//   conversion (the baseline path) makes it 0x7e00: TF's x86 build converts
//   with F16C, so this path gives TF's NaN bits (measured: 0x7e01 / 1 is
//   0x7e01 in TF, 0x7e00 on the baseline path).
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <Eigen/Core>
#include <cstdint>
#include <cstring>

#include "lanes_avx2.h"

namespace opbridge::math {

// out[j] = trunc(a[j * step_a] / b[j * step_b]), steps 0 or 1.
__attribute__((target("avx2"))) inline void TruncDivDoubleAvx2(const double* a, int64_t step_a, const double* b,
                                                               int64_t step_b, double* out, int64_t n) {
  RunBinaryLanes<Avx2Double>(a, step_a, b, step_b, out, n, 1.0, 1.0,
                             [](__m256d x, __m256d y) __attribute__((target("avx2"), always_inline)) {
                               return Avx2Double::Trunc(Avx2Double::Div(x, y));
                             });
}

// 8 halves widened to floats: 8 consecutive ones, or one repeated (step 0).
__attribute__((target("avx2,f16c"), always_inline)) inline __m256 LoadHalves(const Eigen::half* p, int64_t step) {
  if (step != 0) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  uint16_t bits;
  std::memcpy(&bits, p, sizeof bits);
  return _mm256_cvtph_ps(_mm_set1_epi16(static_cast<short>(bits)));
}

// TF's half truncating division of 8 lanes, as 8 halves' bits.
__attribute__((target("avx2,f16c"), always_inline)) inline __m128i TruncDivHalfLanes(__m256 x, __m256 y) {
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT;
  const __m256 q = _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_div_ps(x, y), kNearest));  // rounded to half
  return _mm256_cvtps_ph(_mm256_round_ps(q, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), kNearest);
}

// out[j] = TF's truncatediv of the halves a[j * step_a], b[j * step_b], steps 0 or 1.
__attribute__((target("avx2,f16c"))) inline void TruncDivHalfF16c(const Eigen::half* a, int64_t step_a,
                                                                  const Eigen::half* b, int64_t step_b,
                                                                  Eigen::half* out, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m128i z = TruncDivHalfLanes(LoadHalves(a + j * step_a, step_a), LoadHalves(b + j * step_b, step_b));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + j), z);
  }
  if (j == n) return;
  // The last n - j elements through one vector padded with 1 / 1.
  Eigen::half as[8], bs[8], zs[8];
  for (int l = 0; l < 8; ++l) as[l] = bs[l] = Eigen::numext::bit_cast<Eigen::half>(uint16_t{0x3c00});
  for (int64_t i = j; i < n; ++i) {
    as[i - j] = a[i * step_a];
    bs[i - j] = b[i * step_b];
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(zs), TruncDivHalfLanes(LoadHalves(as, 1), LoadHalves(bs, 1)));
  for (int64_t i = j; i < n; ++i) out[i] = zs[i - j];
}

}  // namespace opbridge::math

#endif  // __x86_64__
