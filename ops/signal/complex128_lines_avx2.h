// Four complex128 lines to (from) the lane-minor split arrays of a 4-lane
// double transform (re[k * 4 + l], im[k * 4 + l]: element k of line l), with
// AVX2 4x4 transposes of doubles in registers, for fft_axes.h's
// TransformAxisIn. Its scalar loops (a load and a strided store per double)
// were 45% of FFT c128 [512,2048]'s time; complex64 already had vector
// shuffles, but 32-byte vectors of double in the baseline build became
// element moves through memory, so these are AVX2 code (math::UseAvx2 says
// when). Plain copies: the same bits as the scalar loops.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <complex>
#include <cstdint>

namespace opbridge {
namespace fft {
namespace complex128_lines {

// Element k of lines 0-3 is at p[k * step + l * gap]: rows (step 1, gap
// len) or adjacent lines of an outer axis (step stride, gap 1).
__attribute__((target("avx2"))) inline void Gather(const std::complex<double>* p, int64_t len, int64_t step,
                                                   int64_t gap, double* re, double* im) {
  const auto* v = reinterpret_cast<const double*>(p);
  const int64_t s = 2 * step, g = 2 * gap;
  int64_t k = 0;
  if (step == 1) {
    // Elements k and k+1 of each row in one vector: (re_k, im_k, re_k+1, im_k+1).
    for (; k + 2 <= len; k += 2) {
      const __m256d a0 = _mm256_loadu_pd(v + 2 * k), a1 = _mm256_loadu_pd(v + 2 * k + g);
      const __m256d a2 = _mm256_loadu_pd(v + 2 * k + 2 * g), a3 = _mm256_loadu_pd(v + 2 * k + 3 * g);
      const __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1);
      const __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3);
      _mm256_storeu_pd(re + 4 * k, _mm256_permute2f128_pd(t0, t2, 0x20));
      _mm256_storeu_pd(im + 4 * k, _mm256_permute2f128_pd(t1, t3, 0x20));
      _mm256_storeu_pd(re + 4 * k + 4, _mm256_permute2f128_pd(t0, t2, 0x31));
      _mm256_storeu_pd(im + 4 * k + 4, _mm256_permute2f128_pd(t1, t3, 0x31));
    }
  } else if (gap == 1) {
    // The 4 lines' element k in two vectors: (re_0, im_0, re_1, im_1), (re_2, im_2, re_3, im_3).
    for (; k < len; ++k) {
      const __m256d a = _mm256_loadu_pd(v + k * s), b = _mm256_loadu_pd(v + k * s + 4);
      // lo = (re_0, re_2, re_1, re_3), hi the same of im: reordered to lines 0-3.
      const __m256d lo = _mm256_unpacklo_pd(a, b), hi = _mm256_unpackhi_pd(a, b);
      _mm256_storeu_pd(re + 4 * k, _mm256_permute4x64_pd(lo, 0xD8));
      _mm256_storeu_pd(im + 4 * k, _mm256_permute4x64_pd(hi, 0xD8));
    }
  }
  for (; k < len; ++k) {
    for (int64_t l = 0; l < 4; ++l) {
      re[4 * k + l] = v[k * s + l * g];
      im[4 * k + l] = v[k * s + l * g + 1];
    }
  }
}

// The inverse of Gather: the split arrays back to the lines.
__attribute__((target("avx2"))) inline void Scatter(const double* re, const double* im, int64_t len, int64_t step,
                                                    int64_t gap, std::complex<double>* p) {
  auto* v = reinterpret_cast<double*>(p);
  const int64_t s = 2 * step, g = 2 * gap;
  int64_t k = 0;
  if (step == 1) {
    for (; k + 2 <= len; k += 2) {
      const __m256d r0 = _mm256_loadu_pd(re + 4 * k), i0 = _mm256_loadu_pd(im + 4 * k);
      const __m256d r1 = _mm256_loadu_pd(re + 4 * k + 4), i1 = _mm256_loadu_pd(im + 4 * k + 4);
      // (re_k, im_k) of lines 0 and 2, of 1 and 3; the same for k+1.
      const __m256d t0 = _mm256_unpacklo_pd(r0, i0), t1 = _mm256_unpackhi_pd(r0, i0);
      const __m256d t2 = _mm256_unpacklo_pd(r1, i1), t3 = _mm256_unpackhi_pd(r1, i1);
      _mm256_storeu_pd(v + 2 * k, _mm256_permute2f128_pd(t0, t2, 0x20));
      _mm256_storeu_pd(v + 2 * k + g, _mm256_permute2f128_pd(t1, t3, 0x20));
      _mm256_storeu_pd(v + 2 * k + 2 * g, _mm256_permute2f128_pd(t0, t2, 0x31));
      _mm256_storeu_pd(v + 2 * k + 3 * g, _mm256_permute2f128_pd(t1, t3, 0x31));
    }
  } else if (gap == 1) {
    for (; k < len; ++k) {
      // (re_0, re_2, re_1, re_3) and the same of im: interleaved, they are the lines in order.
      const __m256d r = _mm256_permute4x64_pd(_mm256_loadu_pd(re + 4 * k), 0xD8);
      const __m256d i = _mm256_permute4x64_pd(_mm256_loadu_pd(im + 4 * k), 0xD8);
      _mm256_storeu_pd(v + k * s, _mm256_unpacklo_pd(r, i));
      _mm256_storeu_pd(v + k * s + 4, _mm256_unpackhi_pd(r, i));
    }
  }
  for (; k < len; ++k) {
    for (int64_t l = 0; l < 4; ++l) {
      v[k * s + l * g] = re[4 * k + l];
      v[k * s + l * g + 1] = im[4 * k + l];
    }
  }
}

}  // namespace complex128_lines
}  // namespace fft
}  // namespace opbridge

#endif  // __x86_64__
