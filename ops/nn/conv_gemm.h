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
#include <algorithm>
#include <cstddef>
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

// A patch as `count` taps of K / count values each (a window's pixels):
// `sources(p, g, zeros, ptrs)` sets ptrs[t] to where pixel p's tap t reads
// group g's values, or to `zeros` (K / count of them) in the padding,
// multiplied like any value (TF's im2col).
template <typename Sources>
struct TapSources {
  int64_t count = 0;
  Sources sources;
};
template <typename Sources>
TapSources(int64_t, Sources) -> TapSources<Sources>;

// Taps per patch: 0 where none are given.
template <typename Taps>
int64_t TapCount(const Taps& taps) {
  if constexpr (std::is_same_v<Taps, std::nullptr_t>) {
    return 0;
  } else {
    return taps.count;
  }
}

// out[p, g * group_out + o] = sum_k patch(p, g)[k] * rhs[k, g * group_out + o]
// for p < pixels, g < groups; rhs is [K, groups * group_out] row-major.
// `gather(p, g, row)` writes the K values of pixel p's patch for group g.
// `direct`, when not null, already is the [pixels, K] patch matrix (a 1x1
// window read in order): the same values, so the same results, without the copy.
// With `lines` (and `line_start(l)`, the offset of line l in out), the rows
// go where OutputLines says, and a tile never spans two lines.
// With `taps` (float only, a TapSources), the AVX2/AVX-512 product reads
// each patch where its taps are instead of a gathered copy (the copy was a
// quarter of Conv2D's time): the same values in the same order, so the same
// bits.
template <typename T, typename Gather, typename LineStart, typename Taps = std::nullptr_t>
void PatchGemm(KernelContext& ctx, int64_t pixels, int64_t groups, int64_t reduction, int64_t group_out,
               const Accumulator<T>* rhs, T* out, const Accumulator<T>* direct, Gather gather, OutputLines lines,
               LineStart line_start, Taps taps = nullptr) {
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

  // Patches read in place: the float product with taps given, and not a 1x1
  // window read in order (already in place).
  constexpr bool kTaps = std::is_same_v<T, float> && !std::is_same_v<Taps, std::nullptr_t>;
  bool in_place_taps = false;
  if constexpr (kTaps) in_place_taps = !packed.empty() && direct == nullptr && TapCount(taps) > 0;
  std::vector<float> zeros(in_place_taps ? static_cast<size_t>(reduction / TapCount(taps)) : 0, 0.0f);

  ctx.ParallelFor(items, cost, [&](int64_t begin, int64_t end) {
    std::vector<Acc> patches(direct || in_place_taps ? 0 : static_cast<size_t>(tile * reduction));
    std::vector<Acc> result(kInPlace ? 0 : static_cast<size_t>(tile * group_out));
    std::vector<const float*> tap_sources(in_place_taps ? static_cast<size_t>(tile * TapCount(taps)) : 0);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / groups, g = item % groups;
      const int64_t first = t / line_tiles * line + t % line_tiles * tile;
      const int64_t count = std::min(tile, line - t % line_tiles * tile);
      T* const dst_first = row(first) + g * group_out;  // the tile's first row; the others ldc apart
      if constexpr (kTaps) {
        if (in_place_taps) {
          for (int64_t p = 0; p < count; ++p) taps.sources(first + p, g, zeros.data(), &tap_sources[p * taps.count]);
          GemmLhs<float> lhs;
          lhs.patches = tap_sources.data();
          lhs.segments = taps.count;
          lhs.segment = reduction / taps.count;
          const gemm_avx2::PackedB& b = packed[static_cast<size_t>(g)];
          gemm_avx2::MultiplyPanels<LhsMode::kPatches>(lhs, count, b.panel(0), b.panel_stride(), reduction, group_out,
                                                       dst_first, ldc);
          continue;
        }
      }
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
template <typename T, typename Gather, typename Taps = std::nullptr_t>
void PatchGemm(KernelContext& ctx, int64_t pixels, int64_t groups, int64_t reduction, int64_t group_out,
               const Accumulator<T>* rhs, T* out, const Accumulator<T>* direct, Gather gather, Taps taps = nullptr) {
  PatchGemm<T>(ctx, pixels, groups, reduction, group_out, rhs, out, direct, gather, OutputLines{},
               [](int64_t) { return int64_t{0}; }, taps);
}

// TapGradientAvx2's sources for `run` pixels along one output row: their
// input row starts at `row` (null: the row is padding), pixel k reads input
// column x0 + k * step, and columns outside [0, width) are padding, which
// reads `padding`. The in-range pixels are found by division once a row, not
// tested one by one.
inline void RowSources(const float* row, int64_t x0, int64_t step, int64_t width, int64_t depth, int64_t run,
                       const float* padding, const float** srcs) {
  int64_t lo = run, hi = run;  // pixels [lo, hi) are inside
  if (row != nullptr && x0 < width) {
    lo = x0 >= 0 ? 0 : std::min(run, (step - 1 - x0) / step);
    hi = std::max(lo, std::min(run, (width - x0 + step - 1) / step));
  }
  for (int64_t k = 0; k < lo; ++k) srcs[k] = padding;
  for (int64_t k = lo; k < hi; ++k) srcs[k] = row + (x0 + k * step) * depth;
  for (int64_t k = hi; k < run; ++k) srcs[k] = padding;
}

// The filter gradients' product on the AVX2 path (Conv2DBackpropFilter,
// Conv3DBackpropFilterV2, float32): for each filter tap t < taps,
//   out[t][c, f] = sum over pixels p of X_t[p, c] * dy[p, f]
// where `sources(t, first, count, zeros, srcs)` sets srcs[k] to pixel
// first + k's `depth` input values under tap t, or to `zeros` (`depth` of
// them) for padding, multiplied like any value (TF's im2col); a tile at a
// time, a row of pixels at a time with RowSources (per pixel, computing its
// position and testing it cost as much as the product). The product reads
// each pixel's channels where they are (a gathered GemmLhs: a transposed copy
// of X_t cost more than the product, 58% of Conv3DBackpropFilterV2's time at
// 8 channels). dy ([pixels, out_depth]) is packed once for every tap; each
// tile of `tile` pixels is one FMA chain per element and the tiles add up in
// double in order, rounded once: one work item per tap, so the same bits for
// any thread count (and for the AVX2 and AVX-512 blocks).
template <typename Sources>
void TapGradientAvx2(KernelContext& ctx, int64_t taps, int64_t pixels, int64_t depth, int64_t out_depth,
                     int64_t tile, const float* dy, float* out, Sources sources) {
#if defined(__x86_64__)
  const gemm_avx2::PackedB packed(dy, out_depth, pixels, out_depth);
  const std::vector<float> zeros(static_cast<size_t>(depth), 0.0f);
  const int64_t cost = ItemCost(0.25 * static_cast<double>(pixels) * static_cast<double>(depth) *
                                    static_cast<double>(out_depth),
                                taps);
  ctx.ParallelFor(taps, cost, [&](int64_t begin, int64_t end) {
    std::vector<const float*> srcs(static_cast<size_t>(tile));
    std::vector<float> block(static_cast<size_t>(depth * out_depth));
    std::vector<double> sum(block.size());
    GemmLhs<float> lhs;
    lhs.columns = srcs.data();
    for (int64_t t = begin; t < end; ++t) {
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t first = 0; first < pixels; first += tile) {
        const int64_t count = std::min(tile, pixels - first);
        sources(t, first, count, zeros.data(), srcs.data());
        gemm_avx2::MultiplyPanels<LhsMode::kColumns>(lhs, depth, packed.panel(0) + first * gemm_avx2::kPanel,
                                        packed.panel_stride(), count, out_depth, block.data(), out_depth);
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
