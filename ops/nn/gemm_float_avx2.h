// A float matrix product with AVX2 and FMA, for the CPUs that have them
// (chosen at run time: the library is built for baseline x86-64, where
// Eigen's GEMM runs on SSE2, 4 lanes without FMA; TF's convolutions run
// oneDNN's AVX2/AVX-512 code and were 1.5-5x faster).
//
//   C[i, j] = sum_k A[i, k] * B[k, j],  A [M, K], B [K, N], C [M, N] row-major
//
// Each C element is one chain of FMAs over k = 0..K-1 from zero, whatever the
// blocking, the tile and the thread count: the results are the same bits for
// any split of the rows (the convolutions' thread-count invariance), and
// within the dot-product error bound of any summation order (their tests'
// tolerance). Eigen is not used here: its packet types are fixed at compile
// time, and AVX2-compiled Eigen templates could stand in for the baseline ones
// elsewhere in the library; every function carries the target attribute and
// only intrinsics are called.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "gemm_packed.h"
#include "gemm_avx512.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::nn::gemm_avx2 {

// Whether to take this path: AVX2 and FMA present, and OPBRIDGE_NO_AVX2 unset
// (the tests force the baseline path with it): the special functions' check.
inline bool Use() { return math::UseAvx2Fma(); }

// Columns per packed panel: two 8-float vectors.
constexpr int64_t kPanel = 16;

using PackedB = PackedPanels<float, kPanel>;

#if defined(__x86_64__)

#define OPBRIDGE_GEMM_AVX2 __attribute__((target("avx2,fma"))) inline

// Six rows of A times one packed panel: 12 accumulators, the panel's two
// vectors and a broadcast fit the 16 registers (named, not an array: GCC kept
// an array of them on the stack, storing all 12 every step). `rows` (<= 6)
// rows are written, `width` columns; missing rows repeat the last one.
// A as GemmLhs says: from its matrix, its columns or its rows' patches.
#define OPBRIDGE_GEMM_STEP(b, x0, x1, x2, x3, x4, x5) \
  {                                                    \
    const __m256 b0 = _mm256_loadu_ps(b);              \
    const __m256 b1 = _mm256_loadu_ps((b) + 8);        \
    __m256 x = _mm256_broadcast_ss(x0);                \
    c00 = _mm256_fmadd_ps(x, b0, c00);                 \
    c01 = _mm256_fmadd_ps(x, b1, c01);                 \
    x = _mm256_broadcast_ss(x1);                       \
    c10 = _mm256_fmadd_ps(x, b0, c10);                 \
    c11 = _mm256_fmadd_ps(x, b1, c11);                 \
    x = _mm256_broadcast_ss(x2);                       \
    c20 = _mm256_fmadd_ps(x, b0, c20);                 \
    c21 = _mm256_fmadd_ps(x, b1, c21);                 \
    x = _mm256_broadcast_ss(x3);                       \
    c30 = _mm256_fmadd_ps(x, b0, c30);                 \
    c31 = _mm256_fmadd_ps(x, b1, c31);                 \
    x = _mm256_broadcast_ss(x4);                       \
    c40 = _mm256_fmadd_ps(x, b0, c40);                 \
    c41 = _mm256_fmadd_ps(x, b1, c41);                 \
    x = _mm256_broadcast_ss(x5);                       \
    c50 = _mm256_fmadd_ps(x, b0, c50);                 \
    c51 = _mm256_fmadd_ps(x, b1, c51);                 \
  }

template <LhsMode kMode>
OPBRIDGE_GEMM_AVX2 void Block(const GemmLhs<float>& lhs, int64_t rows, const float* panel, int64_t k, float* c,
                              int64_t ldc, int64_t width) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  if constexpr (kMode == LhsMode::kPatches) {
    // k = segments * segment, in order: the same chain as the matrix's.
    const int64_t segment = lhs.segment;
    int64_t at[6];
    for (int64_t r = 0; r < 6; ++r) at[r] = (lhs.first + (r < rows ? r : rows - 1)) * lhs.segments;
    for (int64_t t = 0; t < lhs.segments; ++t) {
      const float *q0 = lhs.patches[at[0] + t], *q1 = lhs.patches[at[1] + t], *q2 = lhs.patches[at[2] + t];
      const float *q3 = lhs.patches[at[3] + t], *q4 = lhs.patches[at[4] + t], *q5 = lhs.patches[at[5] + t];
      const float* b = panel + t * segment * kPanel;
      for (int64_t j = 0; j < segment; ++j) {
        OPBRIDGE_GEMM_STEP(b + j * kPanel, q0 + j, q1 + j, q2 + j, q3 + j, q4 + j, q5 + j)
      }
    }
    (void)k;
  } else {
    constexpr bool kGathered = kMode == LhsMode::kColumns;
    const int64_t step = kGathered ? 1 : lhs.lda;
    const int64_t o1 = (rows > 1 ? 1 : 0) * step, o2 = (rows > 2 ? 2 : 0) * step;
    const int64_t o3 = (rows > 3 ? 3 : 0) * step, o4 = (rows > 4 ? 4 : 0) * step;
    const int64_t o5 = (rows > 5 ? 5 : 0) * step;
    for (int64_t i = 0; i < k; ++i) {
      const float* s = kGathered ? lhs.columns[i] + lhs.first : lhs.a + i;
      OPBRIDGE_GEMM_STEP(panel + i * kPanel, s, s + o1, s + o2, s + o3, s + o4, s + o5)
    }
  }
  alignas(32) float out[6][kPanel];
  _mm256_store_ps(out[0], c00);
  _mm256_store_ps(out[0] + 8, c01);
  _mm256_store_ps(out[1], c10);
  _mm256_store_ps(out[1] + 8, c11);
  _mm256_store_ps(out[2], c20);
  _mm256_store_ps(out[2] + 8, c21);
  _mm256_store_ps(out[3], c30);
  _mm256_store_ps(out[3] + 8, c31);
  _mm256_store_ps(out[4], c40);
  _mm256_store_ps(out[4] + 8, c41);
  _mm256_store_ps(out[5], c50);
  _mm256_store_ps(out[5] + 8, c51);
  for (int64_t r = 0; r < rows; ++r) std::memcpy(c + r * ldc, out[r], static_cast<size_t>(width) * sizeof(float));
}

#undef OPBRIDGE_GEMM_STEP

// Block for a panel of at most 8 columns (`width` <= 8): one vector per row,
// so kRows (8 or 12) rows at a time, and no multiplies by the panel's zero
// half. Each C element is the same FMA chain over k as Block's; A as Block's.
// Eight rows are as fast as twelve a step (each row's chain waits on its FMA's
// latency), so 8 channels do not pay for 12 (the filter gradients).
template <bool kGathered, int kRows>
OPBRIDGE_GEMM_AVX2 void BlockNarrow(const GemmLhs<float>& lhs, int64_t rows, const float* panel, int64_t k, float* c,
                                    int64_t ldc, int64_t width) {
  static_assert(kRows == 8 || kRows == 12, "eight or twelve rows");
  const int64_t step = kGathered ? 1 : lhs.lda;
  int64_t o[12];
  for (int64_t i = 0; i < 12; ++i) o[i] = (i < rows ? i : rows - 1) * step;
  const int64_t o1 = o[1], o2 = o[2], o3 = o[3], o4 = o[4], o5 = o[5], o6 = o[6], o7 = o[7];
  const int64_t o8 = o[8], o9 = o[9], o10 = o[10], o11 = o[11];
  __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  __m256 c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (int64_t i = 0; i < k; ++i) {
    const float* s = kGathered ? lhs.columns[i] + lhs.first : lhs.a + i;
    const __m256 b = _mm256_loadu_ps(panel + i * kPanel);
    c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(s), b, c0);
    c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o1), b, c1);
    c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o2), b, c2);
    c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o3), b, c3);
    c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o4), b, c4);
    c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o5), b, c5);
    c6 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o6), b, c6);
    c7 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o7), b, c7);
    if constexpr (kRows == 12) {
      c8 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o8), b, c8);
      c9 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o9), b, c9);
      c10 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o10), b, c10);
      c11 = _mm256_fmadd_ps(_mm256_broadcast_ss(s + o11), b, c11);
    }
  }
  alignas(32) float out[12][8];
  _mm256_store_ps(out[0], c0);
  _mm256_store_ps(out[1], c1);
  _mm256_store_ps(out[2], c2);
  _mm256_store_ps(out[3], c3);
  _mm256_store_ps(out[4], c4);
  _mm256_store_ps(out[5], c5);
  _mm256_store_ps(out[6], c6);
  _mm256_store_ps(out[7], c7);
  _mm256_store_ps(out[8], c8);
  _mm256_store_ps(out[9], c9);
  _mm256_store_ps(out[10], c10);
  _mm256_store_ps(out[11], c11);
  for (int64_t i = 0; i < rows; ++i) std::memcpy(c + i * ldc, out[i], static_cast<size_t>(width) * sizeof(float));
}

// C rows [0, m) = A (GemmLhs) times columns [0, n) of packed panels (panel p
// at panels + p * panel_stride, the first k of its rows used), with AVX2:
// rows six at a time (eight or twelve for one narrow panel of a matrix or of
// columns), every panel for a block of rows while those rows are in L1.
template <LhsMode kMode>
OPBRIDGE_GEMM_AVX2 void MultiplyAvx2(const GemmLhs<float>& lhs, int64_t m, const float* panels,
                                     int64_t panel_stride, int64_t k, int64_t n, float* c, int64_t ldc) {
  constexpr bool kNarrow = kMode != LhsMode::kPatches;  // BlockNarrow reads matrices and columns
  const int64_t block_rows = kNarrow && n <= 8 ? 12 : 6;
  for (int64_t i = 0; i < m; i += block_rows) {
    const int64_t rows = m - i < block_rows ? m - i : block_rows;
    const auto block = lhs.template FromRow<kMode>(i);
    if constexpr (kNarrow) {
      constexpr bool kGathered = kMode == LhsMode::kColumns;
      if (n <= 8 && rows <= 8) {
        BlockNarrow<kGathered, 8>(block, rows, panels, k, c + i * ldc, ldc, n);
        continue;
      }
      if (n <= 8) {
        BlockNarrow<kGathered, 12>(block, rows, panels, k, c + i * ldc, ldc, n);
        continue;
      }
    }
    for (int64_t j = 0; j < n; j += kPanel) {
      Block<kMode>(block, rows, panels + j / kPanel * panel_stride, k, c + i * ldc + j, ldc,
                   n - j < kPanel ? n - j : kPanel);
    }
  }
}

// MultiplyAvx2, with AVX-512 where the CPU has it (twice the multiply-adds
// per instruction, the same bits) and a panel is wider than 8 columns.
template <LhsMode kMode>
inline void MultiplyPanels(const GemmLhs<float>& lhs, int64_t m, const float* panels, int64_t panel_stride,
                           int64_t k, int64_t n, float* c, int64_t ldc) {
  static_assert(kPanel == gemm_avx512::Lanes<float>::kCount, "a panel row is one 512-bit vector");
  if (m <= 0 || n <= 0) return;  // no block: a panel of no columns holds no rows to read
  if ((n > 8 || kMode == LhsMode::kPatches) && math::UseAvx512()) {
    gemm_avx512::Multiply<float, kMode>(lhs, m, panels, panel_stride, k, n, c, ldc);
  } else {
    MultiplyAvx2<kMode>(lhs, m, panels, panel_stride, k, n, c, ldc);
  }
}

// C rows [0, m) of A ([m, k], rows lda apart) times B (packed).
inline void Multiply(const float* a, int64_t lda, int64_t m, const PackedB& b, float* c, int64_t ldc) {
  MultiplyPanels<LhsMode::kMatrix>({a, lda}, m, b.panel(0), b.panel_stride(), b.k(), b.n(), c, ldc);
}

#undef OPBRIDGE_GEMM_AVX2

#else

// Never called off x86-64 (Use() is false there).
inline void Multiply(const float*, int64_t, int64_t, const PackedB&, float*, int64_t) {}

#endif

}  // namespace opbridge::nn::gemm_avx2
