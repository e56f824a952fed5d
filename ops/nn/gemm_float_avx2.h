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

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::nn::gemm_avx2 {

// Whether to take this path: AVX2 and FMA present, and OPBRIDGE_NO_AVX2 unset
// (the tests force the baseline path with it): the special functions' check.
inline bool Use() { return math::UseAvx2Fma(); }

// Columns per packed panel: two 8-float vectors.
constexpr int64_t kPanel = 16;

// B repacked once into panels of kPanel columns, each [K][kPanel] contiguous
// (the last zero-padded), so that the inner loop reads it sequentially.
class PackedB {
 public:
  PackedB(const float* b, int64_t ldb, int64_t k, int64_t n) : k_(k), n_(n) {
    const int64_t panels = (n + kPanel - 1) / kPanel;
    data_.assign(static_cast<size_t>(panels * k * kPanel), 0.0f);
    for (int64_t p = 0; p < panels; ++p) {
      const int64_t first = p * kPanel, width = n - first < kPanel ? n - first : kPanel;
      float* dst = data_.data() + p * k * kPanel;
      for (int64_t r = 0; r < k; ++r) {
        std::memcpy(dst + r * kPanel, b + r * ldb + first, static_cast<size_t>(width) * sizeof(float));
      }
    }
  }
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  const float* panel(int64_t p) const { return data_.data() + p * k_ * kPanel; }

 private:
  int64_t k_, n_;
  std::vector<float> data_;
};

#if defined(__x86_64__)

#define OPBRIDGE_GEMM_AVX2 __attribute__((target("avx2,fma"))) inline

// Six rows of A times one packed panel: 12 accumulators, the panel's two
// vectors and a broadcast fit the 16 registers (named, not an array: GCC kept
// an array of them on the stack, storing all 12 every step). `rows` (<= 6)
// rows are written, `width` columns; missing rows repeat the last one.
OPBRIDGE_GEMM_AVX2 void Block(const float* a, int64_t lda, int64_t rows, const float* panel, int64_t k, float* c,
                              int64_t ldc, int64_t width) {
  const float* a0 = a;
  const float* a1 = a + (rows > 1 ? 1 : 0) * lda;
  const float* a2 = a + (rows > 2 ? 2 : 0) * lda;
  const float* a3 = a + (rows > 3 ? 3 : 0) * lda;
  const float* a4 = a + (rows > 4 ? 4 : 0) * lda;
  const float* a5 = a + (rows > 5 ? 5 : 0) * lda;
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int64_t i = 0; i < k; ++i) {
    const __m256 b0 = _mm256_loadu_ps(panel + i * kPanel);
    const __m256 b1 = _mm256_loadu_ps(panel + i * kPanel + 8);
    __m256 x = _mm256_broadcast_ss(a0 + i);
    c00 = _mm256_fmadd_ps(x, b0, c00);
    c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(a1 + i);
    c10 = _mm256_fmadd_ps(x, b0, c10);
    c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(a2 + i);
    c20 = _mm256_fmadd_ps(x, b0, c20);
    c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(a3 + i);
    c30 = _mm256_fmadd_ps(x, b0, c30);
    c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(a4 + i);
    c40 = _mm256_fmadd_ps(x, b0, c40);
    c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(a5 + i);
    c50 = _mm256_fmadd_ps(x, b0, c50);
    c51 = _mm256_fmadd_ps(x, b1, c51);
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

// Block for a panel of at most 8 columns (`width` <= 8): one vector per row,
// so twelve rows at a time, and no multiplies by the panel's zero half. Each
// C element is the same FMA chain over k as Block's.
OPBRIDGE_GEMM_AVX2 void BlockNarrow(const float* a, int64_t lda, int64_t rows, const float* panel, int64_t k,
                                    float* c, int64_t ldc, int64_t width) {
  const float* r[12];
  for (int64_t i = 0; i < 12; ++i) r[i] = a + (i < rows ? i : rows - 1) * lda;
  __m256 c0 = _mm256_setzero_ps(), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
  __m256 c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  const float *a0 = r[0], *a1 = r[1], *a2 = r[2], *a3 = r[3], *a4 = r[4], *a5 = r[5];
  const float *a6 = r[6], *a7 = r[7], *a8 = r[8], *a9 = r[9], *a10 = r[10], *a11 = r[11];
  for (int64_t i = 0; i < k; ++i) {
    const __m256 b = _mm256_loadu_ps(panel + i * kPanel);
    c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(a0 + i), b, c0);
    c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(a1 + i), b, c1);
    c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(a2 + i), b, c2);
    c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(a3 + i), b, c3);
    c4 = _mm256_fmadd_ps(_mm256_broadcast_ss(a4 + i), b, c4);
    c5 = _mm256_fmadd_ps(_mm256_broadcast_ss(a5 + i), b, c5);
    c6 = _mm256_fmadd_ps(_mm256_broadcast_ss(a6 + i), b, c6);
    c7 = _mm256_fmadd_ps(_mm256_broadcast_ss(a7 + i), b, c7);
    c8 = _mm256_fmadd_ps(_mm256_broadcast_ss(a8 + i), b, c8);
    c9 = _mm256_fmadd_ps(_mm256_broadcast_ss(a9 + i), b, c9);
    c10 = _mm256_fmadd_ps(_mm256_broadcast_ss(a10 + i), b, c10);
    c11 = _mm256_fmadd_ps(_mm256_broadcast_ss(a11 + i), b, c11);
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

// C rows [0, m) of A times B (packed): rows six at a time, every panel for a
// block of rows while those rows are in L1.
OPBRIDGE_GEMM_AVX2 void Multiply(const float* a, int64_t lda, int64_t m, const PackedB& b, float* c, int64_t ldc) {
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

#undef OPBRIDGE_GEMM_AVX2

#else

// Never called off x86-64 (Use() is false there).
inline void Multiply(const float*, int64_t, int64_t, const PackedB&, float*, int64_t) {}

#endif

}  // namespace opbridge::nn::gemm_avx2
