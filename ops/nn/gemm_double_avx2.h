// A float64 matrix product with AVX2 and FMA: gemm_float_avx2.h's kernel
// for double (4 lanes a vector, panels of 8 columns), chosen at run time the
// same way (math::UseAvx2Fma). Eigen's baseline GEMM for double runs SSE2,
// 2 lanes without FMA; TF's float64 convolutions run its AVX build of Eigen.
//
//   C[i, j] = sum_k A[i, k] * B[k, j],  A [M, K], B [K, N], C [M, N] row-major
//
// Each C element is one chain of FMAs over k = 0..K-1 from zero, whatever the
// blocking, the tile and the thread count: the same bits for any split of
// the rows, and within the dot-product error bound of any summation order.
// (Eigen's product, and TF's, sums each element as a chain of separate
// multiplies and adds: the FMA's single rounding gives results that differ
// from theirs in the last bits.) Only intrinsics under the target attribute.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "gemm_avx512.h"
#include "gemm_packed.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::nn::gemm_double_avx2 {

// Whether to take this path: AVX2 and FMA present, and OPBRIDGE_NO_AVX2 unset
// (the tests force the baseline path with it): the special functions' check.
inline bool Use() { return math::UseAvx2Fma(); }

// Columns per packed panel: two 4-double vectors.
constexpr int64_t kPanel = 8;

using PackedB = PackedPanels<double, kPanel>;

#if defined(__x86_64__)

#define OPBRIDGE_GEMM_DOUBLE_AVX2 __attribute__((target("avx2,fma"))) inline

// Six rows of A times one packed panel: 12 accumulators, the panel's two
// vectors and a broadcast fit the 16 registers (named, not an array: GCC kept
// an array of them on the stack, storing all 12 every step). `rows` (<= 6)
// rows are written, `width` columns; missing rows repeat the last one.
OPBRIDGE_GEMM_DOUBLE_AVX2 void Block(const double* a, int64_t lda, int64_t rows, const double* panel, int64_t k,
                                     double* c, int64_t ldc, int64_t width) {
  const double* a0 = a;
  const double* a1 = a + (rows > 1 ? 1 : 0) * lda;
  const double* a2 = a + (rows > 2 ? 2 : 0) * lda;
  const double* a3 = a + (rows > 3 ? 3 : 0) * lda;
  const double* a4 = a + (rows > 4 ? 4 : 0) * lda;
  const double* a5 = a + (rows > 5 ? 5 : 0) * lda;
  __m256d c00 = _mm256_setzero_pd(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256d c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t i = 0; i < k; ++i) {
    const __m256d b0 = _mm256_loadu_pd(panel + i * kPanel);
    const __m256d b1 = _mm256_loadu_pd(panel + i * kPanel + 4);
    __m256d x = _mm256_broadcast_sd(a0 + i);
    c00 = _mm256_fmadd_pd(x, b0, c00);
    c01 = _mm256_fmadd_pd(x, b1, c01);
    x = _mm256_broadcast_sd(a1 + i);
    c10 = _mm256_fmadd_pd(x, b0, c10);
    c11 = _mm256_fmadd_pd(x, b1, c11);
    x = _mm256_broadcast_sd(a2 + i);
    c20 = _mm256_fmadd_pd(x, b0, c20);
    c21 = _mm256_fmadd_pd(x, b1, c21);
    x = _mm256_broadcast_sd(a3 + i);
    c30 = _mm256_fmadd_pd(x, b0, c30);
    c31 = _mm256_fmadd_pd(x, b1, c31);
    x = _mm256_broadcast_sd(a4 + i);
    c40 = _mm256_fmadd_pd(x, b0, c40);
    c41 = _mm256_fmadd_pd(x, b1, c41);
    x = _mm256_broadcast_sd(a5 + i);
    c50 = _mm256_fmadd_pd(x, b0, c50);
    c51 = _mm256_fmadd_pd(x, b1, c51);
  }
  alignas(32) double out[6][kPanel];
  _mm256_store_pd(out[0], c00);
  _mm256_store_pd(out[0] + 4, c01);
  _mm256_store_pd(out[1], c10);
  _mm256_store_pd(out[1] + 4, c11);
  _mm256_store_pd(out[2], c20);
  _mm256_store_pd(out[2] + 4, c21);
  _mm256_store_pd(out[3], c30);
  _mm256_store_pd(out[3] + 4, c31);
  _mm256_store_pd(out[4], c40);
  _mm256_store_pd(out[4] + 4, c41);
  _mm256_store_pd(out[5], c50);
  _mm256_store_pd(out[5] + 4, c51);
  for (int64_t r = 0; r < rows; ++r) std::memcpy(c + r * ldc, out[r], static_cast<size_t>(width) * sizeof(double));
}

// C rows [0, m) of A times B (packed) with AVX2: rows six at a time, every panel for a
// block of rows while those rows are in L1.
OPBRIDGE_GEMM_DOUBLE_AVX2 void MultiplyAvx2(const double* a, int64_t lda, int64_t m, const PackedB& b, double* c,
                                            int64_t ldc) {
  const int64_t k = b.k(), n = b.n();
  const int64_t panels = (n + kPanel - 1) / kPanel;
  for (int64_t i = 0; i < m; i += 6) {
    const int64_t rows = m - i < 6 ? m - i : 6;
    for (int64_t p = 0; p < panels; ++p) {
      const int64_t width = n - p * kPanel < kPanel ? n - p * kPanel : kPanel;
      Block(a + i * lda, lda, rows, b.panel(p), k, c + i * ldc + p * kPanel, ldc, width);
    }
  }
}

// C rows [0, m) of A times B (packed): AVX-512 where the CPU has it (twice the
// multiply-adds per instruction, the same bits), AVX2 otherwise.
inline void Multiply(const double* a, int64_t lda, int64_t m, const PackedB& b, double* c, int64_t ldc) {
  static_assert(kPanel == gemm_avx512::Lanes<double>::kCount, "a panel row is one 512-bit vector");
  if (m <= 0 || b.n() <= 0) return;  // no block: a panel of no columns holds no rows to read
  if (math::UseAvx512()) {
    gemm_avx512::Multiply<double, LhsMode::kMatrix>({a, lda}, m, b.panel(0), b.panel_stride(), b.k(), b.n(), c, ldc);
  } else {
    MultiplyAvx2(a, lda, m, b, c, ldc);
  }
}

#undef OPBRIDGE_GEMM_DOUBLE_AVX2

#else

// Never called off x86-64 (Use() is false there).
inline void Multiply(const double*, int64_t, int64_t, const PackedB&, double*, int64_t) {}

#endif

}  // namespace opbridge::nn::gemm_double_avx2
