// The matrix product of gemm_float_avx2.h and gemm_double_avx2.h with
// AVX-512F, for the CPUs that have it (chosen at run time, math::UseAvx512):
// a packed panel (16 floats or 8 doubles) is one 512-bit vector, and the 32
// vector registers hold 12 rows x 2 panels of accumulators. On CPUs with full
// 512-bit FMA pipes (Intel server parts, AMD Zen 5) that is twice the AVX2
// kernel's multiply-adds per cycle; TF's oneDNN convolutions run AVX-512 there.
//
//   C[i, j] = sum_k A[i, k] * B[k, j],  A [M, K], B packed panels, C [M, N]
//
// Each C element is the same chain of FMAs over k = 0..K-1 from zero as the
// AVX2 kernels', so the two paths give the same bits (the tests compare
// them). Only intrinsics under the target attribute: the library is built
// for baseline x86-64.
#pragma once

#include <cstdint>

#include "gemm_packed.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::nn::gemm_avx512 {

#if defined(__x86_64__)

#define OPBRIDGE_GEMM_AVX512 __attribute__((target("avx512f,avx2,fma"))) inline

// One 512-bit vector of T (float: 16 lanes, double: 8) and what the block
// needs of it, so that one block serves both types.
template <typename T>
struct Lanes;

template <>
struct Lanes<float> {
  using Vec = __m512;
  static constexpr int64_t kCount = 16;
  OPBRIDGE_GEMM_AVX512 static Vec Zero() { return _mm512_setzero_ps(); }
  OPBRIDGE_GEMM_AVX512 static Vec Load(const float* p) { return _mm512_loadu_ps(p); }
  OPBRIDGE_GEMM_AVX512 static Vec Splat(const float* p) { return _mm512_set1_ps(*p); }
  OPBRIDGE_GEMM_AVX512 static Vec Fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  OPBRIDGE_GEMM_AVX512 static void Store(float* p, int64_t width, Vec v) {
    if (width >= kCount) {
      _mm512_storeu_ps(p, v);
    } else {
      _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << width) - 1u), v);
    }
  }
};

template <>
struct Lanes<double> {
  using Vec = __m512d;
  static constexpr int64_t kCount = 8;
  OPBRIDGE_GEMM_AVX512 static Vec Zero() { return _mm512_setzero_pd(); }
  OPBRIDGE_GEMM_AVX512 static Vec Load(const double* p) { return _mm512_loadu_pd(p); }
  OPBRIDGE_GEMM_AVX512 static Vec Splat(const double* p) { return _mm512_set1_pd(*p); }
  OPBRIDGE_GEMM_AVX512 static Vec Fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_pd(a, b, c); }
  OPBRIDGE_GEMM_AVX512 static void Store(double* p, int64_t width, Vec v) {
    if (width >= kCount) {
      _mm512_storeu_pd(p, v);
    } else {
      _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << width) - 1u), v);
    }
  }
};

// Up to kRows (8 or 12) rows of A (`rows`; missing rows repeat the last)
// times two panels p0 and p1 ([k][lanes] each): 24 accumulators at most, two
// panel vectors and a broadcast in the 32 registers (named, not an array, which GCC keeps in
// memory). Columns [0, width) are written, width <= 2 lanes; the second
// panel is not read when width <= one vector. A as GemmLhs says: from its
// matrix, its columns or its rows' patches (kMode).
#define OPBRIDGE_GEMM_ROW_OFFSET(r) const int64_t o##r = (rows > (r) ? (r) : rows - 1) * step;
#define OPBRIDGE_GEMM_ROW_ZERO(r) Vec c##r##0 = L::Zero(), c##r##1 = L::Zero();
#define OPBRIDGE_GEMM_ROW_STEP2(r)      \
  {                                     \
    const Vec x = L::Splat(s + o##r);   \
    c##r##0 = L::Fma(x, b0, c##r##0);   \
    c##r##1 = L::Fma(x, b1, c##r##1);   \
  }
#define OPBRIDGE_GEMM_ROW_STEP1(r) c##r##0 = L::Fma(L::Splat(s + o##r), b0, c##r##0);
// Patches: row r's segment t starts at q##r.
#define OPBRIDGE_GEMM_ROW_PATCH(r) \
  [[maybe_unused]] const T* q##r = lhs.patches[(lhs.first + (rows > (r) ? (r) : rows - 1)) * lhs.segments + t];
#define OPBRIDGE_GEMM_PATCH_STEP2(r)    \
  {                                     \
    const Vec x = L::Splat(q##r + j);   \
    c##r##0 = L::Fma(x, b0, c##r##0);   \
    c##r##1 = L::Fma(x, b1, c##r##1);   \
  }
#define OPBRIDGE_GEMM_PATCH_STEP1(r) c##r##0 = L::Fma(L::Splat(q##r + j), b0, c##r##0);
#define OPBRIDGE_GEMM_ROW_STORE(r)                                                          \
  if (rows > (r)) {                                                                         \
    L::Store(c + (r) * ldc, width, c##r##0);                                                \
    if (width > L::kCount) L::Store(c + (r) * ldc + L::kCount, width - L::kCount, c##r##1); \
  }
#define OPBRIDGE_GEMM_ROWS(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
// The rows a kRows-row block computes: the first eight, then four more.
#define OPBRIDGE_GEMM_BLOCK_ROWS(M) \
  M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) if constexpr (kRows == 12) { M(8) M(9) M(10) M(11) }

template <typename T, LhsMode kMode, int kRows>
OPBRIDGE_GEMM_AVX512 void Block(const GemmLhs<T>& lhs, int64_t rows, const T* p0, const T* p1, int64_t k, T* c,
                                int64_t ldc, int64_t width) {
  static_assert(kRows == 8 || kRows == 12, "eight or twelve rows");
  using L = Lanes<T>;
  using Vec = typename L::Vec;
  constexpr int64_t n = L::kCount;
  OPBRIDGE_GEMM_ROWS(OPBRIDGE_GEMM_ROW_ZERO)
  if constexpr (kMode == LhsMode::kPatches) {
    // k = segments * segment, in order: the same chain as the matrix's.
    const int64_t segment = lhs.segment;
    for (int64_t t = 0; t < lhs.segments; ++t) {
      OPBRIDGE_GEMM_ROWS(OPBRIDGE_GEMM_ROW_PATCH)
      const T* b_first = p0 + t * segment * n;
      const T* b_second = p1 + t * segment * n;
      if (width > n) {
        for (int64_t j = 0; j < segment; ++j) {
          const Vec b0 = L::Load(b_first + j * n), b1 = L::Load(b_second + j * n);
          OPBRIDGE_GEMM_BLOCK_ROWS(OPBRIDGE_GEMM_PATCH_STEP2)
        }
      } else {
        for (int64_t j = 0; j < segment; ++j) {
          const Vec b0 = L::Load(b_first + j * n);
          OPBRIDGE_GEMM_BLOCK_ROWS(OPBRIDGE_GEMM_PATCH_STEP1)
        }
      }
    }
    (void)k;
  } else {
    constexpr bool kGathered = kMode == LhsMode::kColumns;
    const int64_t step = kGathered ? 1 : lhs.lda;
    OPBRIDGE_GEMM_ROWS(OPBRIDGE_GEMM_ROW_OFFSET)
    if (width > n) {
      for (int64_t i = 0; i < k; ++i) {
        const T* s = kGathered ? lhs.columns[i] + lhs.first : lhs.a + i;
        const Vec b0 = L::Load(p0 + i * n), b1 = L::Load(p1 + i * n);
        OPBRIDGE_GEMM_BLOCK_ROWS(OPBRIDGE_GEMM_ROW_STEP2)
      }
    } else {
      for (int64_t i = 0; i < k; ++i) {
        const T* s = kGathered ? lhs.columns[i] + lhs.first : lhs.a + i;
        const Vec b0 = L::Load(p0 + i * n);
        OPBRIDGE_GEMM_BLOCK_ROWS(OPBRIDGE_GEMM_ROW_STEP1)
      }
    }
  }
  OPBRIDGE_GEMM_BLOCK_ROWS(OPBRIDGE_GEMM_ROW_STORE)
}

#undef OPBRIDGE_GEMM_BLOCK_ROWS
#undef OPBRIDGE_GEMM_ROWS
#undef OPBRIDGE_GEMM_ROW_STORE
#undef OPBRIDGE_GEMM_ROW_STEP1
#undef OPBRIDGE_GEMM_PATCH_STEP1
#undef OPBRIDGE_GEMM_PATCH_STEP2
#undef OPBRIDGE_GEMM_ROW_PATCH
#undef OPBRIDGE_GEMM_ROW_STEP2
#undef OPBRIDGE_GEMM_ROW_ZERO
#undef OPBRIDGE_GEMM_ROW_OFFSET

// C rows [0, m) = A (GemmLhs) times columns [0, n) of packed panels (panel p
// at panels + p * panel_stride, lanes-wide rows, the first k used): blocks of
// up to twelve rows (eight where the rows split evenly into eights: 16 rows
// are two blocks of 8, not 12 + 4 computed as 12) and two panels, every panel
// for a block of rows while those rows are in L1.
template <typename T, LhsMode kMode>
OPBRIDGE_GEMM_AVX512 void Multiply(const GemmLhs<T>& lhs, int64_t m, const T* panels, int64_t panel_stride,
                                   int64_t k, int64_t n, T* c, int64_t ldc) {
  constexpr int64_t lanes = Lanes<T>::kCount;
  const int64_t blocks = (m + 11) / 12;
  const int64_t block_rows = blocks > 0 && (m + blocks - 1) / blocks <= 8 ? 8 : 12;
  for (int64_t i = 0; i < m; i += block_rows) {
    const int64_t rows = m - i < block_rows ? m - i : block_rows;
    const auto block = lhs.template FromRow<kMode>(i);
    for (int64_t j = 0; j < n; j += 2 * lanes) {
      const T* p0 = panels + j / lanes * panel_stride;
      const T* p1 = n - j > lanes ? p0 + panel_stride : p0;
      const int64_t width = n - j < 2 * lanes ? n - j : 2 * lanes;
      if (block_rows == 8) {
        Block<T, kMode, 8>(block, rows, p0, p1, k, c + i * ldc + j, ldc, width);
      } else {
        Block<T, kMode, 12>(block, rows, p0, p1, k, c + i * ldc + j, ldc, width);
      }
    }
  }
}

#undef OPBRIDGE_GEMM_AVX512

#endif

}  // namespace opbridge::nn::gemm_avx512
