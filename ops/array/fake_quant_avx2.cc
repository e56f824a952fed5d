// The per-tensor FakeQuant loop (fake_quant.h's Four) on 8 lanes, built for AVX2 without FMA
// (cmake/IsaObjects.cmake): TF's kernel evaluates 8-wide AVX packets; each lane is the same float
// operations as the 4-lane SSE2 loop, so the same bits (1.1-2.4x TF's time at 4 lanes).
#include <immintrin.h>

#include "fake_quant.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "fake_quant_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

namespace {

template <bool kDivide>
void Run(const float* x, float* y, int64_t n, const opbridge::fake_quant::Quantizer& q) {
  const __m256 lo = _mm256_set1_ps(q.nudged_min), hi = _mm256_set1_ps(q.nudged_max);
  const __m256 inv = _mm256_set1_ps(q.inv_scale), scale = _mm256_set1_ps(q.scale), zero = _mm256_set1_ps(q.quant_zero);
  const __m256 half = _mm256_set1_ps(0.5f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // min(hi, x) then max(lo, .): std::min / std::max's NaN rule, as the SSE2 lanes.
    const __m256 shifted = _mm256_sub_ps(_mm256_max_ps(lo, _mm256_min_ps(hi, _mm256_loadu_ps(x + i))), lo);
    const __m256 scaled = kDivide ? _mm256_div_ps(shifted, scale) : _mm256_mul_ps(shifted, inv);
    const __m256 v = _mm256_add_ps(_mm256_sub_ps(scaled, zero), half);
    // floor: the FPU's own rounding (roundps), exact, -0 kept, NaN and large values unchanged.
    const __m256 floored = _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(floored, scale));
  }
  opbridge::fake_quant::ApplySse<kDivide>(x + i, y + i, n - i, q);
}

}  // namespace

extern "C" void opbridge_avx2_fake_quant(const float* x, float* y, int64_t n,
                                         const opbridge::fake_quant::Quantizer* q, int divide) {
  if (divide) {
    Run<true>(x, y, n, *q);
  } else {
    Run<false>(x, y, n, *q);
  }
}
