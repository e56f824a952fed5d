// Eight adjacent complex64 lines of an outer axis (element k of line l at
// p[k * stride + l]) to (from) the lane-minor split arrays of an 8-lane
// float transform (re[k * 8 + l], im[k * 8 + l]), in AVX2, for fft_axes.h's
// TransformAxisGroups. Its loops on 16-byte vectors (the baseline build's
// GatherFour/ScatterFour) took twice the instructions and were a fifth of
// IRFFT3D c64 [2,32,64,65]'s time (Zen 4, 2026-12-05). Plain copies: the same
// bits. math::UseAvx2 says when.
//
// `negate`: the imaginary parts negated on the way (exact): an inverse DFT
// is the conjugate of the forward DFT of the conjugate, and Plan::Run
// otherwise makes two passes over the array for it.
// `far`: the lines' elements lie a page or more apart, where the hardware
// prefetchers stop following; the next group's cache lines (the 8 lines
// after these) are then prefetched, to arrive while this group is
// transformed.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <complex>
#include <cstdint>

namespace opbridge {
namespace fft {
namespace complex64_lines {

__attribute__((target("avx2"))) inline void GatherAdjacent(const std::complex<float>* p, int64_t len, int64_t stride,
                                                           bool far, bool negate, float* re, float* im) {
  const auto* v = reinterpret_cast<const float*>(p);
  const __m256 flip = negate ? _mm256_set1_ps(-0.0f) : _mm256_setzero_ps();
  for (int64_t k = 0; k < len; ++k) {
    const float* row = v + 2 * k * stride;
    if (far) _mm_prefetch(reinterpret_cast<const char*>(row + 16), _MM_HINT_T0);
    // a = (re0, im0, re1, im1 | re2, im2, re3, im3), b the same of lines 4-7;
    // the even (odd) floats of each half, then the halves' 64-bit quarters
    // put in order.
    const __m256 a = _mm256_loadu_ps(row), b = _mm256_loadu_ps(row + 8);
    const __m256 r = _mm256_shuffle_ps(a, b, 0x88), i = _mm256_shuffle_ps(a, b, 0xDD);
    _mm256_storeu_ps(re + 8 * k, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(r), 0xD8)));
    _mm256_storeu_ps(im + 8 * k,
                     _mm256_xor_ps(_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(i), 0xD8)), flip));
  }
}

// The inverse of GatherAdjacent.
__attribute__((target("avx2"))) inline void ScatterAdjacent(const float* re, const float* im, int64_t len,
                                                            int64_t stride, bool far, bool negate,
                                                            std::complex<float>* p) {
  auto* v = reinterpret_cast<float*>(p);
  const __m256 flip = negate ? _mm256_set1_ps(-0.0f) : _mm256_setzero_ps();
  for (int64_t k = 0; k < len; ++k) {
    float* row = v + 2 * k * stride;
    if (far) _mm_prefetch(reinterpret_cast<const char*>(row + 16), _MM_HINT_T0);
    const __m256 r = _mm256_loadu_ps(re + 8 * k), i = _mm256_xor_ps(_mm256_loadu_ps(im + 8 * k), flip);
    // (re0, im0, re1, im1 | re4, im4, re5, im5) and (re2, im2, re3, im3 | re6, im6, re7, im7).
    const __m256 lo = _mm256_unpacklo_ps(r, i), hi = _mm256_unpackhi_ps(r, i);
    _mm256_storeu_ps(row, _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_storeu_ps(row + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
  }
}

}  // namespace complex64_lines
}  // namespace fft
}  // namespace opbridge

#endif  // __x86_64__
