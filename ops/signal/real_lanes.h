// Moves between four float rows and the lane-minor double arrays the real
// FFT plans work in (fft.h, RealForwardPlan), as 4x4 transposes in vector
// registers. GCC kept the element loops scalar: a load, a conversion and a
// store per value, four rows apart. Those loops were a third of an RFFT's
// time at n = 400; as transposes on GCC's 16-byte vectors they measured only
// about 5% faster, as GCC moved half-vectors through the stack. Written with
// AVX2 intrinsics (the gather) and AVX-512 ones (the untangling of bin
// pairs), the real-row wrapper takes half the instructions: RFFT f32
// [512, 400] 0.33 -> 0.27 ms on an Intel Xeon (2026-12-03).
#pragma once

#include <complex>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::fft::lanes {

typedef float F4 __attribute__((vector_size(16)));
typedef float F4u __attribute__((vector_size(16), aligned(4), may_alias));
typedef double D4u __attribute__((vector_size(32), aligned(8), may_alias));

#define OPBRIDGE_LANES_INLINE __attribute__((always_inline)) inline

// Rows a, b, c, d (4 values each) to their columns: out[j] = {a[j], b[j], c[j], d[j]}.
OPBRIDGE_LANES_INLINE void Transpose4(F4 a, F4 b, F4 c, F4 d, F4 out[4]) {
  const F4 ab_lo = __builtin_shufflevector(a, b, 0, 4, 1, 5), cd_lo = __builtin_shufflevector(c, d, 0, 4, 1, 5);
  const F4 ab_hi = __builtin_shufflevector(a, b, 2, 6, 3, 7), cd_hi = __builtin_shufflevector(c, d, 2, 6, 3, 7);
  out[0] = __builtin_shufflevector(ab_lo, cd_lo, 0, 1, 4, 5);
  out[1] = __builtin_shufflevector(ab_lo, cd_lo, 2, 3, 6, 7);
  out[2] = __builtin_shufflevector(ab_hi, cd_hi, 0, 1, 4, 5);
  out[3] = __builtin_shufflevector(ab_hi, cd_hi, 2, 3, 6, 7);
}

// Samples 0 .. 2m-1 of four rows to the even/odd split of an even-length
// real FFT, 8 at a time: zr[t*4 + l] = row_l[2t], zi[t*4 + l] = row_l[2t+1]
// for t below the returned count (a multiple of 4; the caller moves the
// rest). In AVX2 intrinsics: written on 16-byte vectors, GCC converted each
// half of a column to double separately through the stack, twice the
// instructions (the gather was half of the real-row wrapper's time).
// Outlined: a target("avx2") function can be inlined only into another, and
// the plan's Run is compiled on its own first.
#if defined(__x86_64__)
__attribute__((target("avx2"), noinline)) inline int64_t GatherEvenOdd(const float* const rows[4], int64_t m,
                                                                       double* zr, double* zi) {
  // Each row's 8 samples as [evens | odds], one 128-bit half each.
  const __m256i evens_then_odds = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  int64_t t = 0;
  for (; t + 4 <= m; t += 4) {
    __m256 p[4];
    for (int l = 0; l < 4; ++l) p[l] = _mm256_permutevar8x32_ps(_mm256_loadu_ps(rows[l] + 2 * t), evens_then_odds);
    // The 4x4 transposes of both halves at once: column j holds sample j of
    // the four rows, evens in its low half, odds in its high half.
    const __m256 lo01 = _mm256_unpacklo_ps(p[0], p[1]), hi01 = _mm256_unpackhi_ps(p[0], p[1]);
    const __m256 lo23 = _mm256_unpacklo_ps(p[2], p[3]), hi23 = _mm256_unpackhi_ps(p[2], p[3]);
    const __m256 column[4] = {_mm256_shuffle_ps(lo01, lo23, 0x44), _mm256_shuffle_ps(lo01, lo23, 0xEE),
                              _mm256_shuffle_ps(hi01, hi23, 0x44), _mm256_shuffle_ps(hi01, hi23, 0xEE)};
    for (int j = 0; j < 4; ++j) {
      _mm256_storeu_pd(zr + (t + j) * 4, _mm256_cvtps_pd(_mm256_castps256_ps128(column[j])));
      _mm256_storeu_pd(zi + (t + j) * 4, _mm256_cvtps_pd(_mm256_extractf128_ps(column[j], 1)));
    }
  }
  return t;
}
#endif

// Bins k and k+1 of four lanes (xr/xi: bin k's 4 lanes, then bin k+1's) to
// four complex<float> rows, each value rounded once to float as a
// static_cast does.
OPBRIDGE_LANES_INLINE void ScatterTwoBins(const double* xr, const double* xi, int64_t k,
                                          std::complex<float>* const rows[4]) {
  const F4 re0 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xr), F4);
  const F4 im0 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xi), F4);
  const F4 re1 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xr + 4), F4);
  const F4 im1 = __builtin_convertvector(*reinterpret_cast<const D4u*>(xi + 4), F4);
  F4 per_row[4];
  Transpose4(re0, im0, re1, im1, per_row);
  for (int l = 0; l < 4; ++l) *reinterpret_cast<F4u*>(reinterpret_cast<float*>(rows[l] + k)) = per_row[l];
}

// The untangling of RealForwardPlan (fft.h) for bins k = 2, 4, ... in pairs
// (k, k+1) while k + 1 < m, on CPUs with AVX-512F: both bins' four lanes in
// one 64-byte vector, stored to the four rows as one 16-byte value each.
// Returns the first bin not done (even). The same operations per value as
// the plan's loop (fp-contract off: no fused multiply-adds), so the same
// bits: X[k] = E[k] + W^k O[k] with, for a = Z[k], c = conj(Z[m-k]),
// E = (a + c)/2 and O = -i (a - c)/2. The loop as GCC compiled it on 32-byte
// vectors went through the stack for every pair; this one halves the
// real-row wrapper's instructions.
#if defined(__x86_64__)
__attribute__((target("avx512f"), optimize("fp-contract=off"), noinline)) inline int64_t UntangleBinPairs(
    const double* zr, const double* zi, const double* rot_re, const double* rot_im, int64_t m,
    std::complex<float>* const rows[4]) {
  // Bin j's lanes repeated over a half: [w_k x4 | w_k+1 x4].
  const __m512i spread = _mm512_setr_epi64(0, 0, 0, 0, 1, 1, 1, 1);
  const __m512i sign = _mm512_set1_epi64(static_cast<int64_t>(0x8000000000000000ULL));
  const __m512d half = _mm512_set1_pd(0.5);
  int64_t k = 2;
  for (; k + 1 < m; k += 2) {
    const __m512d a = _mm512_loadu_pd(zr + k * 4), b = _mm512_loadu_pd(zi + k * 4);
    // Bins m-k-1 and m-k, halves swapped to line up with k and k+1; the
    // imaginary parts negated by their sign bit, as a unary minus does.
    const __m512d c = _mm512_shuffle_f64x2(_mm512_loadu_pd(zr + (m - k - 1) * 4), _mm512_loadu_pd(zr + (m - k - 1) * 4),
                                           0x4E);
    const __m512d hi_im = _mm512_loadu_pd(zi + (m - k - 1) * 4);
    const __m512d d =
        _mm512_castsi512_pd(_mm512_xor_epi64(_mm512_castpd_si512(_mm512_shuffle_f64x2(hi_im, hi_im, 0x4E)), sign));
    const __m512d wr = _mm512_permutexvar_pd(spread, _mm512_castpd128_pd512(_mm_loadu_pd(rot_re + k)));
    const __m512d wi = _mm512_permutexvar_pd(spread, _mm512_castpd128_pd512(_mm_loadu_pd(rot_im + k)));
    const __m512d er = _mm512_mul_pd(_mm512_add_pd(a, c), half), ei = _mm512_mul_pd(_mm512_add_pd(b, d), half);
    const __m512d orr = _mm512_mul_pd(_mm512_sub_pd(b, d), half), oi = _mm512_mul_pd(_mm512_sub_pd(c, a), half);
    const __m512d xr = _mm512_add_pd(er, _mm512_sub_pd(_mm512_mul_pd(orr, wr), _mm512_mul_pd(oi, wi)));
    const __m512d xi = _mm512_add_pd(ei, _mm512_add_pd(_mm512_mul_pd(orr, wi), _mm512_mul_pd(oi, wr)));
    // Rounded once to float; [re, im] of lanes 0,1 (u) and 2,3 (v) per bin,
    // then each row's two bins made adjacent.
    const __m256 fr = _mm512_cvtpd_ps(xr), fi = _mm512_cvtpd_ps(xi);
    const __m256d u = _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_unpacklo_ps(fr, fi)), 0xD8);
    const __m256d v = _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_unpackhi_ps(fr, fi)), 0xD8);
    _mm_storeu_pd(reinterpret_cast<double*>(rows[0] + k), _mm256_castpd256_pd128(u));
    _mm_storeu_pd(reinterpret_cast<double*>(rows[1] + k), _mm256_extractf128_pd(u, 1));
    _mm_storeu_pd(reinterpret_cast<double*>(rows[2] + k), _mm256_castpd256_pd128(v));
    _mm_storeu_pd(reinterpret_cast<double*>(rows[3] + k), _mm256_extractf128_pd(v, 1));
  }
  return k;
}
#endif

#undef OPBRIDGE_LANES_INLINE

}  // namespace opbridge::fft::lanes
