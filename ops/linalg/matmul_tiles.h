// Register-tiled matrix product for float64, complex64 and complex128
// (matmul.h's Product): kRows rows of C times a vector of columns at a time,
// accumulators in registers, op(A) and op(B) packed first (op(B) split into
// real and imaginary planes for the complex types, so that a vector holds
// consecutive columns' real parts).
//
// Bits: every C[i, j] is the same sum as the plain loop's, in the same order
// with the same operations (no FMA: the baseline build has none, and the AVX2
// entry point enables AVX2 only, so GCC cannot contract a multiply-add).
// Only which elements are computed together changes.
#pragma once

#include <complex>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "../math/simd_cols.h"

namespace opbridge {
namespace matmul {

#define OPBRIDGE_MATMUL_INLINE __attribute__((always_inline)) inline

// Rows of C per tile: 4 rows x (real, imaginary) accumulators fill 8 of the
// 16 vector registers, leaving room for op(B)'s row and the broadcasts.
constexpr int64_t kRows = 4;

// Real tile: C[i0 + r, j0 .. j0 + lanes) for r < R. ap: op(A)'s R rows packed
// [k][R]; bp: op(B) [k][n].
template <typename S, int W, int64_t R>
OPBRIDGE_MATMUL_INLINE void RealTile(const S* ap, const S* bp, S* c, int64_t n, int64_t k, int64_t j0) {
  using V = typename math::Cols<S, W>::type;
  using U = typename math::Cols<S, W>::unaligned;
  V acc[R];
  for (int64_t r = 0; r < R; ++r) acc[r] = V{} + S(0);
  for (int64_t p = 0; p < k; ++p) {
    const V bv = *reinterpret_cast<const U*>(bp + p * n + j0);
    for (int64_t r = 0; r < R; ++r) acc[r] = acc[r] + ap[p * R + r] * bv;
  }
  for (int64_t r = 0; r < R; ++r) *reinterpret_cast<U*>(c + r * n + j0) = acc[r];
}

// Complex tile: as RealTile with op(A) packed as [k][R] real and imaginary
// planes (are, aim) and op(B) as [k][n] planes (bre, bim); C interleaved.
template <typename S, int W, int64_t R>
OPBRIDGE_MATMUL_INLINE void ComplexTile(const S* are, const S* aim, const S* bre, const S* bim, std::complex<S>* c,
                                        int64_t n, int64_t k, int64_t j0) {
  using V = typename math::Cols<S, W>::type;
  using U = typename math::Cols<S, W>::unaligned;
  constexpr int64_t kCount = math::Cols<S, W>::kWidth;
  V acc_re[R], acc_im[R];
  for (int64_t r = 0; r < R; ++r) acc_re[r] = acc_im[r] = V{} + S(0);
  for (int64_t p = 0; p < k; ++p) {
    const V br = *reinterpret_cast<const U*>(bre + p * n + j0);
    const V bi = *reinterpret_cast<const U*>(bim + p * n + j0);
    for (int64_t r = 0; r < R; ++r) {
      const S ar = are[p * R + r], ai = aim[p * R + r];
      acc_re[r] = acc_re[r] + (ar * br - ai * bi);
      acc_im[r] = acc_im[r] + (ar * bi + ai * br);
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    std::complex<S>* dst = c + r * n + j0;
    if constexpr (kCount == 1) {
      dst[0] = std::complex<S>(acc_re[r], acc_im[r]);
    } else {
      for (int64_t l = 0; l < kCount; ++l) dst[l] = std::complex<S>(acc_re[r][l], acc_im[r][l]);
    }
  }
}

// Over C: kRows-row tiles then single rows; for each, pack(R, i0) once, then
// tile(W, R, i0, j0) over 32-byte vectors of columns when Wide, then 16-byte
// ones, then single columns.
template <typename S, bool Wide, typename Pack, typename Tile>
OPBRIDGE_MATMUL_INLINE void OverTiles(int64_t m, int64_t n, Pack&& pack, Tile&& tile) {
  const auto rows_at = [&](auto rows, int64_t i0) __attribute__((always_inline)) {
    pack(rows, i0);
    int64_t j = 0;
    if constexpr (Wide) {
      for (; j + math::Cols<S, 32>::kWidth <= n; j += math::Cols<S, 32>::kWidth) {
        tile(std::integral_constant<int, 32>(), rows, i0, j);
      }
    }
    for (; j + math::Cols<S, 16>::kWidth <= n; j += math::Cols<S, 16>::kWidth) {
      tile(std::integral_constant<int, 16>(), rows, i0, j);
    }
    for (; j < n; ++j) tile(std::integral_constant<int, 0>(), rows, i0, j);
  };
  int64_t i = 0;
  for (; i + kRows <= m; i += kRows) rows_at(std::integral_constant<int64_t, kRows>(), i);
  for (; i < m; ++i) rows_at(std::integral_constant<int64_t, 1>(), i);
}

// The op(A) value at row i, column p (conjugated when asked).
template <typename T>
OPBRIDGE_MATMUL_INLINE T OpA(const T* a, int64_t m, int64_t k, int64_t i, int64_t p, bool transpose, bool conj) {
  const T v = transpose ? a[p * m + i] : a[i * k + p];
  if constexpr (std::is_same_v<T, double>) {
    return v;
  } else {
    return conj ? std::conj(v) : v;
  }
}

// scratch: k * n + kRows * k values of S (op(B), then a tile's op(A) rows).
template <bool Wide>
OPBRIDGE_MATMUL_INLINE void RealProduct(const double* a, const double* b, double* c, int64_t m, int64_t n,
                                        int64_t k, bool transpose_a, bool transpose_b, double* scratch) {
  double* bp = scratch;
  double* ap = bp + k * n;
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) bp[p * n + j] = transpose_b ? b[j * k + p] : b[p * n + j];
  }
  const auto pack = [&](auto rows, int64_t i0) __attribute__((always_inline)) {
    constexpr int64_t R = decltype(rows)::value;
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t r = 0; r < R; ++r) ap[p * R + r] = OpA(a, m, k, i0 + r, p, transpose_a, false);
    }
  };
  OverTiles<double, Wide>(m, n, pack, [&](auto width, auto rows, int64_t i0, int64_t j0) __attribute__((always_inline)) {
    RealTile<double, decltype(width)::value, decltype(rows)::value>(ap, bp, c + i0 * n, n, k, j0);
  });
}

// scratch: 2 * (k * n + kRows * k) values of S (op(B)'s planes, then a tile's
// op(A) planes).
template <typename S, bool Wide>
OPBRIDGE_MATMUL_INLINE void ComplexProduct(const std::complex<S>* a, const std::complex<S>* b, std::complex<S>* c,
                                           int64_t m, int64_t n, int64_t k, bool transpose_a, bool conj_a,
                                           bool transpose_b, bool conj_b, S* scratch) {
  S* bre = scratch;
  S* bim = bre + k * n;
  S* are = bim + k * n;
  S* aim = are + kRows * k;
  for (int64_t p = 0; p < k; ++p) {
    for (int64_t j = 0; j < n; ++j) {
      const std::complex<S> v = transpose_b ? b[j * k + p] : b[p * n + j];
      bre[p * n + j] = v.real();
      bim[p * n + j] = conj_b ? -v.imag() : v.imag();
    }
  }
  const auto pack = [&](auto rows, int64_t i0) __attribute__((always_inline)) {
    constexpr int64_t R = decltype(rows)::value;
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t r = 0; r < R; ++r) {
        const std::complex<S> v = OpA(a, m, k, i0 + r, p, transpose_a, conj_a);
        are[p * R + r] = v.real();
        aim[p * R + r] = v.imag();
      }
    }
  };
  OverTiles<S, Wide>(m, n, pack, [&](auto width, auto rows, int64_t i0, int64_t j0) __attribute__((always_inline)) {
    ComplexTile<S, decltype(width)::value, decltype(rows)::value>(are, aim, bre, bim, c + i0 * n, n, k, j0);
  });
}

template <typename T, bool Wide>
OPBRIDGE_MATMUL_INLINE void TiledProductIn(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                                           bool transpose_a, bool conj_a, bool transpose_b, bool conj_b, T* scratch) {
  if constexpr (std::is_same_v<T, double>) {
    RealProduct<Wide>(a, b, c, m, n, k, transpose_a, transpose_b, scratch);
  } else {
    // std::complex<S> is laid out as S[2] (the standard guarantees it).
    using S = typename T::value_type;
    ComplexProduct<S, Wide>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b,
                            reinterpret_cast<S*>(scratch));
  }
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"), noinline)) void TiledProductAvx2(const T* a, const T* b, T* c, int64_t m, int64_t n,
                                                                int64_t k, bool transpose_a, bool conj_a,
                                                                bool transpose_b, bool conj_b, T* scratch) {
  TiledProductIn<T, true>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, scratch);
}
#endif

// `scratch` is resized here and may be reused across calls (batched products).
template <typename T>
void TiledProduct(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool transpose_a, bool conj_a,
                  bool transpose_b, bool conj_b, std::vector<T>* scratch) {
  scratch->resize(static_cast<size_t>(k * n + kRows * k));
#if defined(__x86_64__)
  if (math::UseAvx2()) {
    TiledProductAvx2<T>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, scratch->data());
    return;
  }
#endif
  TiledProductIn<T, false>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, scratch->data());
}

}  // namespace matmul
}  // namespace opbridge
