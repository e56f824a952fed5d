// Moves between eight complex64 rows and the lane-minor float arrays of a
// float RealInversePlan (fft.h, IRFFT's last axis, eight lines per group),
// as 8x8 transposes in AVX2 registers.
//
// Why: the plan's loops over the eight lanes were scalar (a vector built from
// eight rows' values goes through memory, and its wide load of narrow stores
// stalls store forwarding): the untangling of the half spectrum and the
// interleaving of the even and odd outputs were a quarter of IRFFT3D c64
// [2,32,64,65]'s time (Zen 4, 2026-12-05). Each value sees the scalar loop's
// operations in the same order (target avx2: no FMA to contract into), so
// the bits are the same.
#pragma once

#include <complex>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::fft::inverse_lanes {

#if defined(__x86_64__)

#define OPBRIDGE_INVERSE_LANES_INLINE __attribute__((target("avx2"), always_inline)) inline

// Rows r[0..7] (8 floats each) to columns: afterwards r[j][l] is the old r[l][j].
OPBRIDGE_INVERSE_LANES_INLINE void Transpose8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  // u[j] (j < 4): element j of rows 0-3, then element j + 4 of rows 0-3; v[j] likewise rows 4-7.
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 v0 = _mm256_shuffle_ps(t4, t6, 0x44), v1 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 v2 = _mm256_shuffle_ps(t5, t7, 0x44), v3 = _mm256_shuffle_ps(t5, t7, 0xEE);
  r[0] = _mm256_permute2f128_ps(u0, v0, 0x20);
  r[1] = _mm256_permute2f128_ps(u1, v1, 0x20);
  r[2] = _mm256_permute2f128_ps(u2, v2, 0x20);
  r[3] = _mm256_permute2f128_ps(u3, v3, 0x20);
  r[4] = _mm256_permute2f128_ps(u0, v0, 0x31);
  r[5] = _mm256_permute2f128_ps(u1, v1, 0x31);
  r[6] = _mm256_permute2f128_ps(u2, v2, 0x31);
  r[7] = _mm256_permute2f128_ps(u3, v3, 0x31);
}

// The even-length untangling of RealInversePlan::Run for k = 1, 2, ... four
// at a time while k + 4 <= m, lane l reading row half + l * half_stride:
//   lo = Z[k], hi = conj(Z[m - k]), d = lo - hi, odd = d * w_k,
//   cr = lo.re + hi.re - odd.im, ci = lo.im + hi.im + odd.re
// (the plan's expressions, evaluated in its order), ci stored negated (the
// inverse DFT's first conjugation). Returns the first k not done.
__attribute__((target("avx2"), noinline)) inline int64_t Untangle8(const std::complex<float>* half,
                                                                   int64_t half_stride, int64_t m,
                                                                   const float* rot_re, const float* rot_im, float* cr,
                                                                   float* ci) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  int64_t k = 1;
  for (; k + 4 <= m; k += 4) {
    // lo[2j], lo[2j + 1]: Z[k + j]'s real and imaginary parts over the lanes;
    // hi[2j], hi[2j + 1]: Z[m - k - 3 + j]'s, so bin k + j pairs with hi[6 - 2j].
    __m256 lo[8], hi[8];
    for (int l = 0; l < 8; ++l) {
      const float* row = reinterpret_cast<const float*>(half + l * half_stride);
      lo[l] = _mm256_loadu_ps(row + 2 * k);
      hi[l] = _mm256_loadu_ps(row + 2 * (m - k - 3));
    }
    Transpose8(lo);
    Transpose8(hi);
    for (int j = 0; j < 4; ++j) {
      const __m256 lo_r = lo[2 * j], lo_i = lo[2 * j + 1];
      const __m256 hi_r = hi[6 - 2 * j], hi_i = _mm256_xor_ps(hi[7 - 2 * j], sign);  // -imag, as a unary minus
      const __m256 wr = _mm256_set1_ps(rot_re[k + j]), wi = _mm256_set1_ps(rot_im[k + j]);
      const __m256 dr = _mm256_sub_ps(lo_r, hi_r), di = _mm256_sub_ps(lo_i, hi_i);
      const __m256 odd_r = _mm256_sub_ps(_mm256_mul_ps(dr, wr), _mm256_mul_ps(di, wi));
      const __m256 odd_i = _mm256_add_ps(_mm256_mul_ps(dr, wi), _mm256_mul_ps(di, wr));
      _mm256_storeu_ps(cr + (k + j) * 8, _mm256_sub_ps(_mm256_add_ps(lo_r, hi_r), odd_i));
      _mm256_storeu_ps(ci + (k + j) * 8, _mm256_xor_ps(_mm256_add_ps(_mm256_add_ps(lo_i, hi_i), odd_r), sign));
    }
  }
  return k;
}

// The plan's last loop for t = 0, 1, ... four at a time while t + 4 <= m:
// out_l[2t] = cr[t][l] * scale, out_l[2t + 1] = -ci[t][l] * scale (the inverse
// DFT's second conjugation), lane l's row at out + l * out_stride. Returns
// the first t not done.
__attribute__((target("avx2"), noinline)) inline int64_t Interleave8(const float* cr, const float* ci, int64_t m,
                                                                     float scale, float* out, int64_t out_stride) {
  const __m256 s = _mm256_set1_ps(scale), sign = _mm256_set1_ps(-0.0f);
  int64_t t = 0;
  for (; t + 4 <= m; t += 4) {
    __m256 v[8];
    for (int j = 0; j < 4; ++j) {
      v[2 * j] = _mm256_mul_ps(_mm256_loadu_ps(cr + (t + j) * 8), s);
      v[2 * j + 1] = _mm256_mul_ps(_mm256_xor_ps(_mm256_loadu_ps(ci + (t + j) * 8), sign), s);
    }
    Transpose8(v);  // v[l]: lane l's outputs 2t .. 2t + 7
    for (int l = 0; l < 8; ++l) _mm256_storeu_ps(out + l * out_stride + 2 * t, v[l]);
  }
  return t;
}

#undef OPBRIDGE_INVERSE_LANES_INLINE

#endif

}  // namespace opbridge::fft::inverse_lanes
