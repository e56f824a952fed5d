// Shared by the float64 elementwise functions written for 4 AVX2 lanes
// (expm1_double_avx2.h, log1p_double_avx2.h): their two helpers, the
// tiny-input rule and the loop over an array. Compiled, like them, without multiply-add contraction,
// so that their functions inline here with the same options.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

namespace opbridge::math::double_lanes_avx2 {

__attribute__((target("avx2,fma"), always_inline)) inline __m256d Set(double v) { return _mm256_set1_pd(v); }

__attribute__((target("avx2,fma"), always_inline)) inline __m256d Madd(__m256d a, __m256d b, __m256d c) {
  return _mm256_fmadd_pd(a, b, c);
}

// y, but x itself in the lanes with |x| < 2^-54 (where expm1 and log1p are x
// to double precision), compared as bits: a subnormal x survives the
// flush-to-zero mode TF's kernels run in, as in the C library and TF.
__attribute__((target("avx2,fma"), always_inline)) inline __m256d KeepTiny(__m256d x, __m256d y) {
  const __m256i magnitude = _mm256_and_si256(_mm256_castpd_si256(x), _mm256_set1_epi64x(0x7fffffffffffffffLL));
  const __m256i tiny = _mm256_cmpgt_epi64(_mm256_set1_epi64x(0x3c90000000000000LL), magnitude);
  return _mm256_blendv_pd(y, x, _mm256_castsi256_pd(tiny));
}

// out = kF(in) over [0, n): groups of 4, the rest through one zero-padded
// group (the same arithmetic for every element).
template <__m256d (*kF)(__m256d)>
__attribute__((target("avx2,fma"))) inline void Apply(const double* in, double* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm256_storeu_pd(out + i, kF(_mm256_loadu_pd(in + i)));
  if (i == n) return;
  alignas(32) double rest[4] = {0.0, 0.0, 0.0, 0.0};
  for (int64_t j = i; j < n; ++j) rest[j - i] = in[j];
  _mm256_store_pd(rest, kF(_mm256_load_pd(rest)));
  for (int64_t j = i; j < n; ++j) out[j] = rest[j - i];
}

}  // namespace opbridge::math::double_lanes_avx2

#pragma GCC pop_options

#endif  // __x86_64__
