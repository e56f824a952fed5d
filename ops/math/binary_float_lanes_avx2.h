// The loop of the float32 binary elementwise functions written for 8 AVX2
// lanes (zeta_float_avx2.h, polygamma.cc): one broadcast run, each input
// advancing by its step (0 or 1, as broadcast.h's runs).
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

namespace opbridge::math::binary_float_lanes_avx2 {

__attribute__((target("avx2"), always_inline)) inline __m256 Load(const float* p, int64_t step) {
  return step != 0 ? _mm256_loadu_ps(p) : _mm256_set1_ps(*p);
}

// out[j] = f(a[j * step_a], b[j * step_b]) for j < n: groups of 8, the rest
// through one group padded with (pad_a, pad_b) (f's lanes are independent).
template <typename F>
__attribute__((target("avx2"), always_inline)) inline void Run(const float* a, int64_t step_a, const float* b,
                                                               int64_t step_b, float* out, int64_t n, float pad_a,
                                                               float pad_b, F f) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(out + j, f(Load(a + j * step_a, step_a), Load(b + j * step_b, step_b)));
  if (j == n) return;
  alignas(32) float as[8], bs[8];
  for (int l = 0; l < 8; ++l) {
    as[l] = pad_a;
    bs[l] = pad_b;
  }
  for (int64_t i = j; i < n; ++i) {
    as[i - j] = a[i * step_a];
    bs[i - j] = b[i * step_b];
  }
  _mm256_store_ps(as, f(_mm256_load_ps(as), _mm256_load_ps(bs)));
  for (int64_t i = j; i < n; ++i) out[i] = as[i - j];
}

}  // namespace opbridge::math::binary_float_lanes_avx2

#endif  // __x86_64__
