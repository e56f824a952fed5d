// The compute shared by the GEMM-based convolutions (Conv2D, Conv3D,
// Conv2DBackpropInput): each output pixel's patch (the K input values its
// window sees) is gathered into a row of a [pixels, K] matrix, which Eigen's
// blocked GEMM multiplies by the filter as a [K, F] matrix (im2col + GEMM).
//
// Float sums (float, half, bfloat16) take the AVX2+FMA product of
// gemm_float_avx2.h where the CPU has it (2-2.5x Eigen's SSE2 GEMM): one FMA
// chain per output element, so the same bits for any tile and thread count.
// float64 takes gemm_double_avx2.h's (the same kernel, 4 lanes) likewise.
//
// A work item is one (tile of output pixels, group); tiles hold a fixed
// number of pixels computed from the shapes alone, so each output element is
// produced by the same GEMM call, summed in the same order, for any thread
// count. half and bfloat16 gather and sum in float and round once (TF's CPU
// convolutions cast to float, conv_2d.h); int32 sums in uint32, wrapping
// modulo 2^32 as TF's int32 arithmetic does on x86, without undefined
// behaviour.
#pragma once

#include <Eigen/Core>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "conv_geometry.h"
#include "gemm_double_avx2.h"
#include "gemm_float_avx2.h"
#include "../math/half_arrays.h"
#include "opbridge/op.h"

namespace opbridge::nn {

// The type a convolution over T multiplies and sums in.
template <typename T>
using Accumulator =
    std::conditional_t<math::kHalfType<T>, float, std::conditional_t<std::is_same_v<T, int32_t>, uint32_t, T>>;

// Copies `n` values of T into the accumulator type (half and bfloat16: by
// the block, half_arrays.h).
template <typename T>
inline void CopyAs(const T* src, int64_t n, Accumulator<T>* dst) {
  if constexpr (math::kHalfType<T>) {
    math::Widen(src, dst, n);
  } else {
    for (int64_t k = 0; k < n; ++k) dst[k] = static_cast<Accumulator<T>>(src[k]);
  }
}

// A row of results back in T (rounded once, to nearest even).
template <typename T>
inline void StoreAs(const Accumulator<T>* src, int64_t n, T* dst) {
  if constexpr (math::kHalfType<T>) {
    math::Narrow(src, dst, n);
  } else {
    for (int64_t k = 0; k < n; ++k) dst[k] = static_cast<T>(src[k]);
  }
}

// TF's CPU convolution types (half, bfloat16, float, double; int32 when the
// op has it).
template <typename Fn>
Status DispatchConvTypes(DType dtype, bool allow_int32, Fn&& fn) {
  Status result = Status::Ok();
  if (DispatchTo<DType::kFloat16, Eigen::half>(dtype, fn, &result) ||
      DispatchTo<DType::kBFloat16, Eigen::bfloat16>(dtype, fn, &result) ||
      DispatchTo<DType::kFloat32, float>(dtype, fn, &result) ||
      DispatchTo<DType::kFloat64, double>(dtype, fn, &result) ||
      (allow_int32 && DispatchTo<DType::kInt32, int32_t>(dtype, fn, &result))) {
    return result;
  }
  return NoKernelForDType(dtype);
}

// The GEMM's right-hand side: `filter` ([K, F] row-major, K * F values) in
// the accumulator type, converted once when T is not it.
template <typename T>
class FilterMatrix {
 public:
  using Acc = Accumulator<T>;
  FilterMatrix(const T* filter, int64_t size) {
    if constexpr (std::is_same_v<T, Acc>) {
      data_ = filter;
    } else {
      converted_.resize(static_cast<size_t>(size));
      CopyAs(filter, size, converted_.data());
      data_ = converted_.data();
    }
  }
  const Acc* data() const { return data_; }

 private:
  std::vector<Acc> converted_;
  const Acc* data_ = nullptr;
};

// Where PatchGemm writes pixel p's row of out_depth values: pixels come in
// lines of `line` pixels, `stride` values apart within a line, and line l
// starts at out + start(l). The default is every pixel in one line, rows
// packed: out + p * out_depth.
struct OutputLines {
  int64_t line = 0;    // pixels per line; 0: all pixels
  int64_t stride = 0;  // values between a line's consecutive pixels; 0: out_depth
};

// out[p, g * group_out + o] = sum_k patch(p, g)[k] * rhs[k, g * group_out + o]
// for p < pixels, g < groups; rhs is [K, groups * group_out] row-major.
// `gather(p, g, row)` writes the K values of pixel p's patch for group g.
// `direct`, when not null, already is the [pixels, K] patch matrix (a 1x1
// window read in order): the same values, so the same results, without the copy.
// With `lines` (and `line_start(l)`, the offset of line l in out), the rows
// go where OutputLines says, and a tile never spans two lines.
template <typename T, typename Gather, typename LineStart>
void PatchGemm(KernelContext& ctx, int64_t pixels, int64_t groups, int64_t reduction, int64_t group_out,
               const Accumulator<T>* rhs, T* out, const Accumulator<T>* direct, Gather gather, OutputLines lines,
               LineStart line_start) {
  using Acc = Accumulator<T>;
  using Matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Strided = Eigen::Map<Matrix, 0, Eigen::OuterStride<>>;
  using ConstStrided = Eigen::Map<const Matrix, 0, Eigen::OuterStride<>>;
  constexpr bool kInPlace = std::is_same_v<T, Acc>;  // the output takes the GEMM's result as is
  const int64_t out_depth = groups * group_out;
  if (pixels <= 0 || out_depth <= 0) return;
  const int64_t line = lines.line > 0 ? lines.line : pixels;
  const int64_t ldc = lines.stride > 0 ? lines.stride : out_depth;
  auto row = [&](int64_t p) { return out + line_start(p / line) + p % line * ldc; };
  if (reduction == 0) {  // an empty sum (a filter with no taps): zeros
    for (int64_t p = 0; p < pixels; ++p) std::fill(row(p), row(p) + out_depth, T(0));
    return;
  }

  // Tile rows: a tile's buffers (patch rows, and result rows when they need
  // converting) stay within about 256 KB, L2-sized; at least one row, so a
  // buffer is never much larger than the filter.
  const int64_t row_bytes = (reduction + (kInPlace ? 0 : group_out)) * static_cast<int64_t>(sizeof(Acc));
  int64_t tile = std::min<int64_t>(512, std::max<int64_t>(1, (int64_t{256} << 10) / row_bytes));
  if (tile >= 8) tile = tile / 8 * 8;
  tile = std::min(tile, line);
  const int64_t line_tiles = (line + tile - 1) / tile;
  const int64_t items = (pixels / line) * line_tiles * groups;
  const int64_t cost = ItemCost(0.5 * static_cast<double>(tile) * static_cast<double>(reduction) *
                                    static_cast<double>(group_out),
                                items);

  // Each group's filter columns packed once for the AVX2 path.
  std::vector<gemm_avx2::PackedB> packed;
  if constexpr (std::is_same_v<Acc, float>) {
    if (gemm_avx2::Use()) {
      for (int64_t g = 0; g < groups; ++g) packed.emplace_back(rhs + g * group_out, out_depth, reduction, group_out);
    }
  }

  std::vector<gemm_double_avx2::PackedB> packed_double;
  if constexpr (std::is_same_v<Acc, double>) {
    if (gemm_double_avx2::Use()) {
      for (int64_t g = 0; g < groups; ++g) {
        packed_double.emplace_back(rhs + g * group_out, out_depth, reduction, group_out);
      }
    }
  }

  ctx.ParallelFor(items, cost, [&](int64_t begin, int64_t end) {
    std::vector<Acc> patches(direct ? 0 : static_cast<size_t>(tile * reduction));
    std::vector<Acc> result(kInPlace ? 0 : static_cast<size_t>(tile * group_out));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / groups, g = item % groups;
      const int64_t first = t / line_tiles * line + t % line_tiles * tile;
      const int64_t count = std::min(tile, line - t % line_tiles * tile);
      T* const dst_first = row(first) + g * group_out;  // the tile's first row; the others ldc apart
      const Acc* lhs = direct ? direct + first * reduction : patches.data();
      if (!direct) {
        for (int64_t p = 0; p < count; ++p) gather(first + p, g, patches.data() + p * reduction);
      }
      const Eigen::Map<const Matrix> a(lhs, count, reduction);
      const ConstStrided b(rhs + g * group_out, reduction, group_out, Eigen::OuterStride<>(out_depth));
      if constexpr (std::is_same_v<Acc, float>) {
        if (!packed.empty()) {
          if constexpr (kInPlace) {
            gemm_avx2::Multiply(lhs, reduction, count, packed[static_cast<size_t>(g)], dst_first, ldc);
          } else {
            gemm_avx2::Multiply(lhs, reduction, count, packed[static_cast<size_t>(g)], result.data(), group_out);
            for (int64_t p = 0; p < count; ++p) StoreAs(result.data() + p * group_out, group_out, dst_first + p * ldc);
          }
          continue;
        }
      }
      if constexpr (std::is_same_v<Acc, double>) {
        if (!packed_double.empty()) {
          gemm_double_avx2::Multiply(lhs, reduction, count, packed_double[static_cast<size_t>(g)], dst_first, ldc);
          continue;
        }
      }
      if constexpr (kInPlace) {
        Strided c(dst_first, count, group_out, Eigen::OuterStride<>(ldc));
        c.noalias() = a * b;
      } else {
        Eigen::Map<Matrix> c(result.data(), count, group_out);
        c.noalias() = a * b;
        for (int64_t p = 0; p < count; ++p) StoreAs(result.data() + p * group_out, group_out, dst_first + p * ldc);
      }
    }
  });
}

// Every pixel's row packed in order: out + p * out_depth.
template <typename T, typename Gather>
void PatchGemm(KernelContext& ctx, int64_t pixels, int64_t groups, int64_t reduction, int64_t group_out,
               const Accumulator<T>* rhs, T* out, const Accumulator<T>* direct, Gather gather) {
  PatchGemm<T>(ctx, pixels, groups, reduction, group_out, rhs, out, direct, gather, OutputLines{},
               [](int64_t) { return int64_t{0}; });
}

// Columns [0, count) of a tap's X^T (rows `stride` apart): dst[c * stride + k]
// = srcs[k][c] for c < depth, or zeros for a padding pixel (srcs[k] null).
// Four pixels' channels at a time go through a 4x4 transpose in SSE
// registers: storing each value alone, `depth` rows apart, cost more than
// the product it feeds (Conv3DBackpropFilterV2 8 channels: 55% of its time).
inline void GatherPixels(const float* const* srcs, int64_t count, int64_t depth, float* dst, int64_t stride) {
  int64_t k = 0;
#if defined(__SSE2__)
  const int64_t depth4 = depth / 4 * 4;
  for (; k + 4 <= count; k += 4) {
    const float* s0 = srcs[k];
    const float* s1 = srcs[k + 1];
    const float* s2 = srcs[k + 2];
    const float* s3 = srcs[k + 3];
    for (int64_t c = 0; c < depth4; c += 4) {
      __m128 r0 = s0 != nullptr ? _mm_loadu_ps(s0 + c) : _mm_setzero_ps();
      __m128 r1 = s1 != nullptr ? _mm_loadu_ps(s1 + c) : _mm_setzero_ps();
      __m128 r2 = s2 != nullptr ? _mm_loadu_ps(s2 + c) : _mm_setzero_ps();
      __m128 r3 = s3 != nullptr ? _mm_loadu_ps(s3 + c) : _mm_setzero_ps();
      _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
      _mm_storeu_ps(dst + c * stride + k, r0);
      _mm_storeu_ps(dst + (c + 1) * stride + k, r1);
      _mm_storeu_ps(dst + (c + 2) * stride + k, r2);
      _mm_storeu_ps(dst + (c + 3) * stride + k, r3);
    }
    for (int64_t c = depth4; c < depth; ++c) {
      float* row = dst + c * stride + k;
      row[0] = s0 != nullptr ? s0[c] : 0.0f;
      row[1] = s1 != nullptr ? s1[c] : 0.0f;
      row[2] = s2 != nullptr ? s2[c] : 0.0f;
      row[3] = s3 != nullptr ? s3[c] : 0.0f;
    }
  }
#endif
  for (; k < count; ++k) {
    for (int64_t c = 0; c < depth; ++c) dst[c * stride + k] = srcs[k] != nullptr ? srcs[k][c] : 0.0f;
  }
}

// The filter gradients' product on the AVX2 path (Conv2DBackpropFilter,
// Conv3DBackpropFilterV2, float32): for each filter tap t < taps,
//   out[t][c, f] = sum over pixels p of X_t[p, c] * dy[p, f]
// where `sources(t, first, count, srcs)` sets srcs[k] to pixel first + k's
// `depth` input values under tap t, or null for padding (a tile at a time:
// per pixel, recomputing its position with divisions cost more than the
// product), gathered here into X_t^T. dy ([pixels, out_depth]) is packed once for every tap; each
// tile of `tile` pixels is one FMA chain per element (gemm_float_avx2.h's
// Block over that tile's rows of the packed dy) and the tiles add up in
// double in order, rounded once: one work item per tap, so the same bits for
// any thread count.
template <typename Sources>
void TapGradientAvx2(KernelContext& ctx, int64_t taps, int64_t pixels, int64_t depth, int64_t out_depth,
                     int64_t tile, const float* dy, float* out, Sources sources) {
#if defined(__x86_64__)
  const gemm_avx2::PackedB packed(dy, out_depth, pixels, out_depth);
  const int64_t panels = (out_depth + gemm_avx2::kPanel - 1) / gemm_avx2::kPanel;
  const int64_t cost = ItemCost(0.25 * static_cast<double>(pixels) * static_cast<double>(depth) *
                                    static_cast<double>(out_depth),
                                taps);
  ctx.ParallelFor(taps, cost, [&](int64_t begin, int64_t end) {
    // X_t^T of a tile: [depth, tile], rows `lda` apart: a multiple of 4 KB
    // would put the six rows a Block reads in the same cache sets.
    const int64_t lda = tile + 16;
    std::vector<float> lhs(static_cast<size_t>(depth * lda));
    std::vector<const float*> srcs(static_cast<size_t>(tile));
    std::vector<float> block(static_cast<size_t>(depth * out_depth));
    std::vector<double> sum(block.size());
    for (int64_t t = begin; t < end; ++t) {
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t first = 0; first < pixels; first += tile) {
        const int64_t count = std::min(tile, pixels - first);
        sources(t, first, count, srcs.data());
        GatherPixels(srcs.data(), count, depth, lhs.data(), lda);
        if (out_depth <= 8) {  // one narrow panel: twelve rows a block (gemm_float_avx2.h)
          for (int64_t i = 0; i < depth; i += 12) {
            gemm_avx2::BlockNarrow(lhs.data() + i * lda, lda, std::min<int64_t>(12, depth - i), packed.panel(0) +
                                   first * gemm_avx2::kPanel, count, block.data() + i * out_depth, out_depth, out_depth);
          }
        }
        for (int64_t i = 0; i < depth && out_depth > 8; i += 6) {
          const int64_t rows = std::min<int64_t>(6, depth - i);
          for (int64_t p = 0; p < panels; ++p) {
            const int64_t width = std::min(gemm_avx2::kPanel, out_depth - p * gemm_avx2::kPanel);
            gemm_avx2::Block(lhs.data() + i * lda, lda, rows, packed.panel(p) + first * gemm_avx2::kPanel, count,
                             block.data() + i * out_depth + p * gemm_avx2::kPanel, out_depth, width);
          }
        }
        for (size_t e = 0; e < sum.size(); ++e) sum[e] += static_cast<double>(block[e]);
      }
      float* dst = out + t * depth * out_depth;
      for (size_t e = 0; e < sum.size(); ++e) dst[e] = static_cast<float>(sum[e]);
    }
  });
#else
  (void)ctx, (void)taps, (void)pixels, (void)depth, (void)out_depth, (void)tile, (void)dy, (void)out, (void)sources;
#endif
}

}  // namespace opbridge::nn
