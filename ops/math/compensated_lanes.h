// The vector part of CompensatedSum::AddSpan (reduction.h): n contiguous
// doubles added into 8 interleaved lanes (value i to lane i % 8), each lane a
// compensated sum (Knuth's TwoSum error added into the lane's compensation).
// The lanes are fixed, not the vector width, and each lane's additions and
// subtractions are the same IEEE operations in the same order, so the baseline
// (Eigen's SSE2 packets, reduction.h), AVX (two 4-lane vectors) and AVX-512
// (one 8-lane vector) paths give the same bits; the wider ones issue 2x and
// 4x fewer instructions (Sum float64 along 160-value runs was 1.5x TF's time
// on SSE2). Chosen at run time; intrinsics under target attributes only.
#pragma once

#include <cstdint>

#include "avx2_dispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::math::compensated_lanes {

constexpr int kLanes = 8;
constexpr int kRuns = 8;  // runs summed side by side by SumRunsAvx512 (below)

#if defined(__x86_64__)

// Adds x[0, n / 8 * 8) into the lanes; returns how many values it added.
__attribute__((target("avx512f"))) inline int64_t AddAvx512(const double* x, int64_t n, double* lane_sum,
                                                             double* lane_compensation) {
  __m512d s = _mm512_setzero_pd(), c = s;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m512d v = _mm512_loadu_pd(x + i);
    const __m512d t = _mm512_add_pd(s, v);
    const __m512d v_part = _mm512_sub_pd(t, s);
    c = _mm512_add_pd(c, _mm512_add_pd(_mm512_sub_pd(s, _mm512_sub_pd(t, v_part)), _mm512_sub_pd(v, v_part)));
    s = t;
  }
  _mm512_storeu_pd(lane_sum, s);
  _mm512_storeu_pd(lane_compensation, c);
  return i;
}

__attribute__((target("avx"))) inline int64_t AddAvx(const double* x, int64_t n, double* lane_sum,
                                                     double* lane_compensation) {
  __m256d s0 = _mm256_setzero_pd(), s1 = s0, c0 = s0, c1 = s0;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m256d v0 = _mm256_loadu_pd(x + i), v1 = _mm256_loadu_pd(x + i + 4);
    const __m256d t0 = _mm256_add_pd(s0, v0), t1 = _mm256_add_pd(s1, v1);
    const __m256d p0 = _mm256_sub_pd(t0, s0), p1 = _mm256_sub_pd(t1, s1);
    c0 = _mm256_add_pd(c0, _mm256_add_pd(_mm256_sub_pd(s0, _mm256_sub_pd(t0, p0)), _mm256_sub_pd(v0, p0)));
    c1 = _mm256_add_pd(c1, _mm256_add_pd(_mm256_sub_pd(s1, _mm256_sub_pd(t1, p1)), _mm256_sub_pd(v1, p1)));
    s0 = t0;
    s1 = t1;
  }
  _mm256_storeu_pd(lane_sum, s0);
  _mm256_storeu_pd(lane_sum + 4, s1);
  _mm256_storeu_pd(lane_compensation, c0);
  _mm256_storeu_pd(lane_compensation + 4, c1);
  return i;
}

// Whole compensated sums of kRuns runs of n values (run r at x + r * n), each
// bit for bit CompensatedSum{}.AddSpan(run, n).Result(): the run's own 8
// lanes with AddAvx512's operations in its order, then the fold of the lanes
// and the tail in AddSpan's order, with the runs side by side in vector lanes
// (the lane sums transposed, so that the fold's scalar steps become 8-run
// vector steps). Why: Sum over the last axis of [998, 3, 160] is 2994 runs of
// 20 lane steps, each step 7 additions and subtractions on the add pipes,
// then a scalar fold of 8 lanes per run. Here the subtractions that only
// feed a compensation are FMAs with a factor of -1 (b * -1 + a is a - b
// rounded once: the same value, the same zeros and infinities; a NaN's
// payload may differ, but a non-finite compensation is dropped by Result),
// which issue on the multiply-add pipes where a CPU has separate ones (Zen 4).
// The sums' own chains (t = s + v) stay additions.
__attribute__((target("avx512f"), always_inline)) inline __m512d MinusByFma(__m512d a, __m512d b) {
  return _mm512_fmadd_pd(b, _mm512_set1_pd(-1.0), a);  // a - b, rounded once
}

// CompensatedSum::Add in 8 lanes: t = s + v; the exact error of t added into c.
__attribute__((target("avx512f"), always_inline)) inline void AddStepAvx512(__m512d& s, __m512d& c, __m512d v) {
  const __m512d t = _mm512_add_pd(s, v);
  const __m512d v_part = MinusByFma(t, s);
  c = _mm512_add_pd(c, _mm512_add_pd(MinusByFma(s, MinusByFma(t, v_part)), MinusByFma(v, v_part)));
  s = t;
}

// m[r][l] -> m[l][r] for an 8 x 8 matrix of doubles in 8 vectors.
__attribute__((target("avx512f"), always_inline)) inline void Transpose8x8(__m512d* m) {
  __m512d t[8], u[8];
  for (int k = 0; k < 8; k += 2) {
    t[k] = _mm512_unpacklo_pd(m[k], m[k + 1]);  // m[k][2j], m[k + 1][2j]
    t[k + 1] = _mm512_unpackhi_pd(m[k], m[k + 1]);
  }
  for (int k = 0; k < 8; k += 4) {  // 128-bit blocks 0 and 2, then 1 and 3, of two pairs of rows
    u[k] = _mm512_shuffle_f64x2(t[k], t[k + 2], 0x88);
    u[k + 1] = _mm512_shuffle_f64x2(t[k + 1], t[k + 3], 0x88);
    u[k + 2] = _mm512_shuffle_f64x2(t[k], t[k + 2], 0xdd);
    u[k + 3] = _mm512_shuffle_f64x2(t[k + 1], t[k + 3], 0xdd);
  }
  for (int k = 0; k < 4; ++k) {
    m[k] = _mm512_shuffle_f64x2(u[k], u[k + 4], 0x88);
    m[k + 4] = _mm512_shuffle_f64x2(u[k], u[k + 4], 0xdd);
  }
}

__attribute__((target("avx512f"))) inline void SumRunsAvx512(const double* x, int64_t n, double* out) {
  __m512d s[kRuns], c[kRuns];
  for (int r = 0; r < kRuns; ++r) s[r] = c[r] = _mm512_setzero_pd();
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
#pragma GCC unroll 8
    for (int r = 0; r < kRuns; ++r) AddStepAvx512(s[r], c[r], _mm512_loadu_pd(x + r * n + i));
  }
  Transpose8x8(s);  // s[l]: lane l's sums of the 8 runs
  Transpose8x8(c);
  __m512d sum = _mm512_setzero_pd(), compensation = sum;
  for (int l = 0; l < kLanes; ++l) {
    AddStepAvx512(sum, compensation, s[l]);
    compensation = _mm512_add_pd(compensation, c[l]);
  }
  const __m512i starts = _mm512_set_epi64(7 * n, 6 * n, 5 * n, 4 * n, 3 * n, 2 * n, n, 0);
  for (; i < n; ++i) AddStepAvx512(sum, compensation, _mm512_i64gather_pd(starts, x + i, 8));
  const __mmask8 finite =
      _mm512_cmp_pd_mask(_mm512_abs_pd(compensation), _mm512_set1_pd(__builtin_inf()), _CMP_LT_OQ);
  _mm512_storeu_pd(out, _mm512_mask_add_pd(sum, finite, sum, compensation));
}

// Elementwise: s[j] and c[j] take x[j] as CompensatedSum::Add does (a row of
// values into a row of accumulators: Sum over an outer axis). Returns how
// many it did (a multiple of the vector width; the caller does the rest).
__attribute__((target("avx512f"))) inline int64_t AddRowAvx512(double* s, double* c, const double* x, int64_t n) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m512d sj = _mm512_loadu_pd(s + j), xj = _mm512_loadu_pd(x + j);
    const __m512d t = _mm512_add_pd(sj, xj);
    const __m512d x_part = _mm512_sub_pd(t, sj);
    const __m512d error = _mm512_add_pd(_mm512_sub_pd(sj, _mm512_sub_pd(t, x_part)), _mm512_sub_pd(xj, x_part));
    _mm512_storeu_pd(c + j, _mm512_add_pd(_mm512_loadu_pd(c + j), error));
    _mm512_storeu_pd(s + j, t);
  }
  return j;
}

__attribute__((target("avx"))) inline int64_t AddRowAvx(double* s, double* c, const double* x, int64_t n) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const __m256d sj = _mm256_loadu_pd(s + j), xj = _mm256_loadu_pd(x + j);
    const __m256d t = _mm256_add_pd(sj, xj);
    const __m256d x_part = _mm256_sub_pd(t, sj);
    const __m256d error = _mm256_add_pd(_mm256_sub_pd(sj, _mm256_sub_pd(t, x_part)), _mm256_sub_pd(xj, x_part));
    _mm256_storeu_pd(c + j, _mm256_add_pd(_mm256_loadu_pd(c + j), error));
    _mm256_storeu_pd(s + j, t);
  }
  return j;
}

#endif

// AddRow's widest path on this CPU, or 0 (the caller's loop does it all).
inline int64_t AddRowWide(double* s, double* c, const double* x, int64_t n) {
#if defined(__x86_64__)
  if (UseAvx512()) return AddRowAvx512(s, c, x, n);
  if (UseAvx2()) return AddRowAvx(s, c, x, n);
#endif
  (void)s, (void)c, (void)x, (void)n;
  return 0;
}

// out[r] for the runs of whole groups of kRuns (SumRunsAvx512) where the CPU
// has AVX-512 (FMA comes with it); returns how many runs it did (0 without),
// the caller adds the rest run by run (AddSpan).
inline int64_t SumRunsWide(const double* x, int64_t n, int64_t count, double* out) {
#if defined(__x86_64__)
  if (UseAvx512()) {
    int64_t r = 0;
    for (; r + kRuns <= count; r += kRuns) SumRunsAvx512(x + r * n, n, out + r);
    return r;
  }
#endif
  (void)x, (void)n, (void)count, (void)out;
  return 0;
}

// The widest path this CPU has, or -1: the caller's baseline packets then.
inline int64_t AddWide(const double* x, int64_t n, double* lane_sum, double* lane_compensation) {
#if defined(__x86_64__)
  if (UseAvx512()) return AddAvx512(x, n, lane_sum, lane_compensation);
  if (UseAvx2()) return AddAvx(x, n, lane_sum, lane_compensation);
#endif
  (void)x, (void)n, (void)lane_sum, (void)lane_compensation;
  return -1;
}

}  // namespace opbridge::math::compensated_lanes
