// Register-tiled matrix product for float64, complex64 and complex128
// (matmul.h's Product): kRows rows of C times vectors of columns at a time,
// accumulators in registers, over blocks of op(A) and op(B) packed to stay
// in cache (RealProduct says how; op(B) split into real and imaginary planes
// for the complex types, so that a vector holds consecutive columns' real
// parts).
//
// Bits: every C[i, j] is the same sum as the plain loop's, in the same order
// with the same operations (no FMA: the baseline build has none, the AVX2
// entry point enables AVX2 only and the AVX-512 one turns contraction off);
// between blocks of k the partial sum waits in C. Only which elements are
// computed together changes.
#pragma once

#include <algorithm>
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

// Complex tile: C[i0 + r, j0 .. j0 + lanes) for r < R over one block of k
// (kc values of p), op(A) packed as [kc][R] real and imaginary planes (are,
// aim), op(B)'s panel as [kc][lanes] planes (bre, bim); C interleaved.
// `first`: the block starting at p = 0 (accumulators from 0, else from C).
template <typename S, int W, int64_t R>
OPBRIDGE_MATMUL_INLINE void ComplexBlockTile(const S* are, const S* aim, const S* bre, const S* bim,
                                             std::complex<S>* c, int64_t n, int64_t kc, bool first) {
  using V = typename math::Cols<S, W>::type;
  using U = typename math::Cols<S, W>::unaligned;
  constexpr int64_t kCount = math::Cols<S, W>::kWidth;
  V acc_re[R], acc_im[R];
  for (int64_t r = 0; r < R; ++r) {
    acc_re[r] = acc_im[r] = V{} + S(0);
    if (first) continue;
    const std::complex<S>* src = c + r * n;
    if constexpr (kCount == 1) {
      acc_re[r] = src[0].real();
      acc_im[r] = src[0].imag();
    } else {
      for (int64_t l = 0; l < kCount; ++l) {
        acc_re[r][l] = src[l].real();
        acc_im[r][l] = src[l].imag();
      }
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    const V br = *reinterpret_cast<const U*>(bre + p * kCount);
    const V bi = *reinterpret_cast<const U*>(bim + p * kCount);
    for (int64_t r = 0; r < R; ++r) {
      const S ar = are[p * R + r], ai = aim[p * R + r];
      acc_re[r] = acc_re[r] + (ar * br - ai * bi);
      acc_im[r] = acc_im[r] + (ar * bi + ai * br);
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    std::complex<S>* dst = c + r * n;
    if constexpr (kCount == 1) {
      dst[0] = std::complex<S>(acc_re[r], acc_im[r]);
    } else {
      for (int64_t l = 0; l < kCount; ++l) dst[l] = std::complex<S>(acc_re[r][l], acc_im[r][l]);
    }
  }
}

// Over the column panels of n for the complex tiles: 32-byte vectors when
// Wide, then 16-byte ones, then single columns; body(W, j0) per panel.
template <typename S, bool Wide, typename Body>
OPBRIDGE_MATMUL_INLINE void OverComplexPanels(int64_t n, Body&& body) {
  int64_t j = 0;
  if constexpr (Wide) {
    for (; j + math::Cols<S, 32>::kWidth <= n; j += math::Cols<S, 32>::kWidth) body(std::integral_constant<int, 32>(), j);
  }
  for (; j + math::Cols<S, 16>::kWidth <= n; j += math::Cols<S, 16>::kWidth) body(std::integral_constant<int, 16>(), j);
  for (; j < n; ++j) body(std::integral_constant<int, 0>(), j);
}

// mc rows of a block: kR-row blocks, then (when kR is larger) kRows-row
// blocks, then single rows; body(R, r0).
template <int64_t kR = kRows, typename Body>
OPBRIDGE_MATMUL_INLINE void OverRowBlocks(int64_t mc, Body&& body) {
  int64_t r0 = 0;
  for (; r0 + kR <= mc; r0 += kR) body(std::integral_constant<int64_t, kR>(), r0);
  if constexpr (kR > kRows) {
    for (; r0 + kRows <= mc; r0 += kRows) body(std::integral_constant<int64_t, kRows>(), r0);
  }
  for (; r0 < mc; ++r0) body(std::integral_constant<int64_t, 1>(), r0);
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

// float64 in blocks of op(A) and op(B) that stay in cache: kBlockK of k by
// kBlockM rows of op(A) ([R-row blocks][kc][R], 128 KB: L2) and, per block
// of k, op(B) in column panels ([kc][panel width], 16 KB: L1). Streaming all
// of op(B) through every 4-row tile fell from 30 GFLOP/s at 256 x 256 to 11
// at 512 and 6 at 1024 (TF 35-39). C[i, j] is carried in C from one block of
// k to the next: each element is still 0 + the products over p in order.
constexpr int64_t kBlockK = 256, kBlockM = 64;

// The AVX-512 path's tile: 12 rows by one 8-double vector (12 accumulators
// of the 32 registers), in blocks of 96 rows (8 tiles). Measured on a Zen 4
// (2026-12-05, 480 x 512 x 480, one core): the 4 x (2 vectors) tile of the
// other paths ran at 37 GFLOP/s on 8-double vectors (below AVX2's 49; 6 x 2
// and 8 x 2 no better, nor blocks of 128 values of k), 8 x 1 at 49, 12 x 1
// and 16 x 1 at 53. Each step is one load of op(B) and 12 broadcasts for 12
// multiplies and 12 adds: the two kinds of arithmetic units stay busy
// (separate multiplies and adds: no FMA, for the bits).
constexpr int64_t kRows512 = 12, kBlockM512 = 96;

// R rows of C by NV vectors of W bytes of columns, over one block of k (kc
// values of p): ap [kc][R], bp the panel [kc][NV * lanes]; `first`: the
// block starting at p = 0 (accumulators from 0, else from C).
template <int W, int NV, int64_t R>
OPBRIDGE_MATMUL_INLINE void RealBlockTile(const double* ap, const double* bp, double* c, int64_t n, int64_t kc,
                                          bool first) {
  using V = typename math::Cols<double, W>::type;
  using U = typename math::Cols<double, W>::unaligned;
  constexpr int64_t kLanes = math::Cols<double, W>::kWidth, kPanel = NV * kLanes;
  V acc[R][NV];
  for (int64_t r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) {
      acc[r][v] = first ? V{} + 0.0 : *reinterpret_cast<const U*>(c + r * n + v * kLanes);
    }
  }
  for (int64_t p = 0; p < kc; ++p) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = *reinterpret_cast<const U*>(bp + p * kPanel + v * kLanes);
    for (int64_t r = 0; r < R; ++r) {
      const double a = ap[p * R + r];
      for (int v = 0; v < NV; ++v) acc[r][v] = acc[r][v] + a * bv[v];
    }
  }
  for (int64_t r = 0; r < R; ++r) {
    for (int v = 0; v < NV; ++v) *reinterpret_cast<U*>(c + r * n + v * kLanes) = acc[r][v];
  }
}

// Over the column panels of n: two vectors of the widest width kW (bytes)
// (kPairs; one on the AVX-512 path), one, then one of each narrower width,
// single columns; body(W, NV, j0) per panel.
template <int kW, bool kPairs, typename Body>
OPBRIDGE_MATMUL_INLINE void OverPanels(int64_t n, Body&& body) {
  constexpr int64_t kLanes = math::Cols<double, kW>::kWidth;
  int64_t j = 0;
  if constexpr (kPairs) {
    for (; j + 2 * kLanes <= n; j += 2 * kLanes) {
      body(std::integral_constant<int, kW>(), std::integral_constant<int, 2>(), j);
    }
  }
  for (; j + kLanes <= n; j += kLanes) body(std::integral_constant<int, kW>(), std::integral_constant<int, 1>(), j);
  if constexpr (kW >= 64) {
    for (; j + 4 <= n; j += 4) body(std::integral_constant<int, 32>(), std::integral_constant<int, 1>(), j);
  }
  if constexpr (kW >= 32) {
    for (; j + 2 <= n; j += 2) body(std::integral_constant<int, 16>(), std::integral_constant<int, 1>(), j);
  }
  for (; j < n; ++j) body(std::integral_constant<int, 0>(), std::integral_constant<int, 1>(), j);
}

// The scratch of a product, in values of T: op(B)'s panels for one block of
// k and one block of op(A)'s rows (their planes for the complex types).
inline int64_t ProductScratch(int64_t m, int64_t n, int64_t k) {
  const int64_t kc = std::min(k, kBlockK);
  return kc * n + std::min(m, std::max(kBlockM, kBlockM512)) * kc;
}

// kW: the widest vectors in bytes (16 baseline, 32 AVX2, 64 AVX-512).
template <int kW>
OPBRIDGE_MATMUL_INLINE void RealProduct(const double* a, const double* b, double* c, int64_t m, int64_t n,
                                        int64_t k, bool transpose_a, bool transpose_b, double* scratch) {
  if (k == 0) {
    std::fill(c, c + m * n, 0.0);
    return;
  }
  constexpr bool kWide = kW >= 64;
  constexpr int64_t kR = kWide ? kRows512 : kRows, kBlockRows = kWide ? kBlockM512 : kBlockM;
  double* bp = scratch;
  double* ap = bp + std::min(k, kBlockK) * n;
  for (int64_t p0 = 0; p0 < k; p0 += kBlockK) {
    const int64_t kc = std::min(kBlockK, k - p0);
    // op(B)'s rows p0 .. p0 + kc, the panel of columns j0 .. j0 + width at bp + j0 * kc.
    OverPanels<kW, !kWide>(n, [&](auto w, auto nv, int64_t j0) __attribute__((always_inline)) {
      constexpr int64_t kPanel = decltype(nv)::value * math::Cols<double, decltype(w)::value>::kWidth;
      double* panel = bp + j0 * kc;
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t j = 0; j < kPanel; ++j) {
          panel[p * kPanel + j] = transpose_b ? b[(j0 + j) * k + p0 + p] : b[(p0 + p) * n + j0 + j];
        }
      }
    });
    for (int64_t i0 = 0; i0 < m; i0 += kBlockRows) {
      const int64_t mc = std::min(kBlockRows, m - i0);
      // op(A)'s rows i0 .. i0 + mc, columns p0 .. p0 + kc.
      OverRowBlocks<kR>(mc, [&](auto rows, int64_t r0) __attribute__((always_inline)) {
        constexpr int64_t R = decltype(rows)::value;
        double* block = ap + r0 * kc;
        for (int64_t p = 0; p < kc; ++p) {
          for (int64_t r = 0; r < R; ++r) block[p * R + r] = OpA(a, m, k, i0 + r0 + r, p0 + p, transpose_a, false);
        }
      });
      OverPanels<kW, !kWide>(n, [&](auto w, auto nv, int64_t j0) __attribute__((always_inline)) {
        OverRowBlocks<kR>(mc, [&](auto rows, int64_t r0) __attribute__((always_inline)) {
          RealBlockTile<decltype(w)::value, decltype(nv)::value, decltype(rows)::value>(
              ap + r0 * kc, bp + j0 * kc, c + (i0 + r0) * n + j0, n, kc, p0 == 0);
        });
      });
    }
  }
}

// Blocked as RealProduct, with op(A) and op(B) in real and imaginary planes.
// scratch: 2 * ProductScratch(m, n, k) values of S.
template <typename S, bool Wide>
OPBRIDGE_MATMUL_INLINE void ComplexProduct(const std::complex<S>* a, const std::complex<S>* b, std::complex<S>* c,
                                           int64_t m, int64_t n, int64_t k, bool transpose_a, bool conj_a,
                                           bool transpose_b, bool conj_b, S* scratch) {
  if (k == 0) {
    std::fill(c, c + m * n, std::complex<S>());
    return;
  }
  const int64_t kc_max = std::min(k, kBlockK);
  S* bre = scratch;
  S* bim = bre + kc_max * n;
  S* are = bim + kc_max * n;
  S* aim = are + std::min(m, kBlockM) * kc_max;
  for (int64_t p0 = 0; p0 < k; p0 += kBlockK) {
    const int64_t kc = std::min(kBlockK, k - p0);
    OverComplexPanels<S, Wide>(n, [&](auto w, int64_t j0) __attribute__((always_inline)) {
      constexpr int64_t kPanel = math::Cols<S, decltype(w)::value>::kWidth;
      S* panel_re = bre + j0 * kc;
      S* panel_im = bim + j0 * kc;
      for (int64_t p = 0; p < kc; ++p) {
        for (int64_t j = 0; j < kPanel; ++j) {
          const std::complex<S> v = transpose_b ? b[(j0 + j) * k + p0 + p] : b[(p0 + p) * n + j0 + j];
          panel_re[p * kPanel + j] = v.real();
          panel_im[p * kPanel + j] = conj_b ? -v.imag() : v.imag();
        }
      }
    });
    for (int64_t i0 = 0; i0 < m; i0 += kBlockM) {
      const int64_t mc = std::min(kBlockM, m - i0);
      OverRowBlocks(mc, [&](auto rows, int64_t r0) __attribute__((always_inline)) {
        constexpr int64_t R = decltype(rows)::value;
        S* block_re = are + r0 * kc;
        S* block_im = aim + r0 * kc;
        for (int64_t p = 0; p < kc; ++p) {
          for (int64_t r = 0; r < R; ++r) {
            const std::complex<S> v = OpA(a, m, k, i0 + r0 + r, p0 + p, transpose_a, conj_a);
            block_re[p * R + r] = v.real();
            block_im[p * R + r] = v.imag();
          }
        }
      });
      OverComplexPanels<S, Wide>(n, [&](auto w, int64_t j0) __attribute__((always_inline)) {
        OverRowBlocks(mc, [&](auto rows, int64_t r0) __attribute__((always_inline)) {
          ComplexBlockTile<S, decltype(w)::value, decltype(rows)::value>(
              are + r0 * kc, aim + r0 * kc, bre + j0 * kc, bim + j0 * kc, c + (i0 + r0) * n + j0, n, kc, p0 == 0);
        });
      });
    }
  }
}

// kW: the widest vectors in bytes (16 baseline, 32 AVX2, 64 AVX-512 for float64).
template <typename T, int kW>
OPBRIDGE_MATMUL_INLINE void TiledProductIn(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k,
                                           bool transpose_a, bool conj_a, bool transpose_b, bool conj_b, T* scratch) {
  if constexpr (std::is_same_v<T, double>) {
    RealProduct<kW>(a, b, c, m, n, k, transpose_a, transpose_b, scratch);
  } else {
    // std::complex<S> is laid out as S[2] (the standard guarantees it).
    using S = typename T::value_type;
    ComplexProduct<S, (kW >= 32)>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b,
                                  reinterpret_cast<S*>(scratch));
  }
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"), noinline)) void TiledProductAvx2(const T* a, const T* b, T* c, int64_t m, int64_t n,
                                                                int64_t k, bool transpose_a, bool conj_a,
                                                                bool transpose_b, bool conj_b, T* scratch) {
  TiledProductIn<T, 32>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, scratch);
}
// float64 on 8-double vectors where the CPU has AVX-512F (math::UseAvx512):
// fp-contract=off keeps the separate multiplies and adds (no FMA), so each
// C element is the same sum, with the same bits, as on the other paths.
__attribute__((target("avx512f"), optimize("fp-contract=off"), noinline)) inline void RealProductAvx512(
    const double* a, const double* b, double* c, int64_t m, int64_t n, int64_t k, bool transpose_a, bool transpose_b,
    double* scratch) {
  RealProduct<64>(a, b, c, m, n, k, transpose_a, transpose_b, scratch);
}
#endif

// `scratch` is resized here and may be reused across calls (batched products).
template <typename T>
void TiledProduct(const T* a, const T* b, T* c, int64_t m, int64_t n, int64_t k, bool transpose_a, bool conj_a,
                  bool transpose_b, bool conj_b, std::vector<T>* scratch) {
  scratch->resize(static_cast<size_t>(ProductScratch(m, n, k)));
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, double>) {
    if (math::UseAvx512()) {
      RealProductAvx512(a, b, c, m, n, k, transpose_a, transpose_b, scratch->data());
      return;
    }
  }
  if (math::UseAvx2()) {
    TiledProductAvx2<T>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, scratch->data());
    return;
  }
#endif
  TiledProductIn<T, 16>(a, b, c, m, n, k, transpose_a, conj_a, transpose_b, conj_b, scratch->data());
}

}  // namespace matmul
}  // namespace opbridge
