// A C library call per lane of an 8-float vector, for the AVX2 kernels that
// keep TF's bits by calling the same scalar function TF's kernel calls
// (logf, tanf, log1pf, powf) where no vector version with its bits exists.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

namespace opbridge::math {

// f(v) per lane for the lanes of `mask` (others keep `v`).
template <typename F>
__attribute__((target("avx2"), always_inline)) inline __m256 PerLaneCall(__m256 v, __m256 mask, F f) {
  alignas(32) float values[8];
  _mm256_store_ps(values, v);
  const int lanes = _mm256_movemask_ps(mask);
  for (int l = 0; l < 8; ++l) {
    if (lanes & (1 << l)) values[l] = f(values[l]);
  }
  return _mm256_load_ps(values);
}

// f(v, w) per lane for the lanes of `mask`, `others`' lanes elsewhere.
template <typename F>
__attribute__((target("avx2"), always_inline)) inline __m256 PerLaneCallOver(__m256 others, __m256 v, __m256 w,
                                                                             __m256 mask, F f) {
  alignas(32) float values[8], seconds[8], results[8];
  _mm256_store_ps(values, v);
  _mm256_store_ps(seconds, w);
  _mm256_store_ps(results, others);
  const int lanes = _mm256_movemask_ps(mask);
  for (int l = 0; l < 8; ++l) {
    if (lanes & (1 << l)) results[l] = f(values[l], seconds[l]);
  }
  return _mm256_load_ps(results);
}

// f(v, w) per lane for the lanes of `mask` (others keep `v`).
template <typename F>
__attribute__((target("avx2"), always_inline)) inline __m256 PerLaneCall(__m256 v, __m256 w, __m256 mask, F f) {
  return PerLaneCallOver(v, v, w, mask, f);
}

}  // namespace opbridge::math

#endif  // __x86_64__
