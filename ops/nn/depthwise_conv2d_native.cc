// DepthwiseConv2dNative: TF's depthwise 2-D convolution (tf.nn.depthwise_conv2d,
// Keras SeparableConv2D's first half). The converter maps it to the builtin
// DEPTHWISE_CONV_2D only for float32 with the input's channels known at
// conversion and a filter of static shape; otherwise it stays CUSTOM
// "DepthwiseConv2dNative" with TF's attrs {T, strides, padding,
// explicit_paddings, data_format, dilations} (docs/design.md).
//
//   input [N, H, W, C], filter [KH, KW, C, M] -> output [N, OH, OW, C * M]
//   output[n, r, c, d * M + m] = sum over (i, j) of
//       input[n, r * s + i - pad_top, c * s + j - pad_left, d] * filter[i, j, d, m]
// with zeros outside the image that are multiplied like any other value (so
// 0 * inf is NaN at the border, as in TF's kernel). One stride for rows and
// columns, no dilations: TF's CPU kernel refuses others, and so do we, with
// its checks in its order (constructor, then compute, NCHW last). NCHW runs
// for float32 and bfloat16 only, which TF's x86 build gives to oneDNN.
//
// Each output element sums its KH * KW taps in row-major order from 0, one
// multiply and one add per tap, as TF's kernel does (DepthwiseConv2DKernel:
// a packet accumulator, pmadd per tap); the multiply and add round
// separately in both builds (TF's Eigen is built without FMA), so float and
// double results equal TF's own kernel bit for bit. half and bfloat16 round
// the running sum to their type after every tap, as TF's kernel does (so its
// half results are far from the exact sum; we keep TF's answer).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "conv_geometry.h"
#include "../math/avx2_dispatch.h"
#include "../math/element_types.h"
#include "../math/half_arrays.h"
#include "../math/half_lanes_avx2.h"
#include "../math/simd_cols.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct DepthwiseParams : nn::Conv2DWindowAttrs {
  static void Declare(ParamBinder& b, DepthwiseParams& p) { DeclareWindow(b, p, /*with_cudnn=*/false); }

  // TF's kernel constructor (DepthwiseConv2dNativeOp).
  Status Validate() const {
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window strides field must specify 4 dimensions (attr "
                     "'strides' has ", strides.size(), ")");
    const auto h = static_cast<size_t>(nn::SpatialIndex(data_format, 0));
    const auto w = static_cast<size_t>(nn::SpatialIndex(data_format, 1));
    const auto c = static_cast<size_t>(nn::ChannelIndex(data_format, 2));
    OPBRIDGE_REQUIRE(strides[h] == strides[w],
                     "Current implementation only supports equal length strides in the row and column dimensions.");
    OPBRIDGE_REQUIRE(strides[0] == 1 && strides[c] == 1,
                     "Current implementation does not yet support strides in the batch and depth dimensions.");
    OPBRIDGE_RETURN_IF_ERROR(nn::CheckValidPadding(padding, explicit_paddings, 4, data_format));
    bool unit = true;
    std::string received;
    for (int64_t d : dilations) {
      unit = unit && d == 1;
      received += (received.empty() ? "" : " ") + std::to_string(d);
    }
    OPBRIDGE_REQUIRE(unit, "Current kernel implementation does not support dilations, received [", received, "]");
    return Status::Ok();
  }
};

struct DepthwiseDims {
  int64_t batch = kUnknownDim, in_rows = kUnknownDim, in_cols = kUnknownDim, in_depth = kUnknownDim;
  int64_t filter_rows = kUnknownDim, filter_cols = kUnknownDim, multiplier = kUnknownDim;
  int64_t out_depth = kUnknownDim, stride = 1;
  nn::WindowDim rows, cols;
  bool rows_known = false, cols_known = false;
};

// TF's DepthwiseConv2dNativeOp::Compute up to the output allocation, with
// unknown dims tolerated (their checks run once they are known).
Status ComputeDims(const DepthwiseParams& p, const Shape& input, const Shape& filter, const std::string& input_name,
                   const std::string& filter_name, DepthwiseDims* d) {
  OPBRIDGE_REQUIRE(!input.rank_known() || input.rank() == 4, "input must be 4-dimensional", input.ToString(),
                   " (input '", input_name, "')");
  OPBRIDGE_REQUIRE(!filter.rank_known() || filter.rank() == 4, "filter must be 4-dimensional: ", filter.ToString(),
                   " (input '", filter_name, "')");
  auto known = [](int64_t v) { return v != kUnknownDim; };
  const DataFormat f = p.data_format;
  if (input.rank_known()) {
    d->batch = input.dim(nn::BatchIndex(f));
    d->in_depth = input.dim(nn::ChannelIndex(f, 2));
    d->in_rows = input.dim(nn::SpatialIndex(f, 0));
    d->in_cols = input.dim(nn::SpatialIndex(f, 1));
  }
  if (filter.rank_known()) {
    d->filter_rows = filter.dim(0);
    d->filter_cols = filter.dim(1);
    d->multiplier = filter.dim(3);
    OPBRIDGE_REQUIRE(!known(d->in_depth) || !known(filter.dim(2)) || d->in_depth == filter.dim(2),
                     "input and filter must have the same depth: ", d->in_depth, " vs ", filter.dim(2),
                     " (input '", input_name, "' ", input.ToString(), ", filter '", filter_name, "' ",
                     filter.ToString(), ")");
  }
  if (known(d->in_depth) && known(d->multiplier)) {
    // TF keeps the output depth in an int32.
    OPBRIDGE_REQUIRE(d->multiplier == 0 || d->in_depth <= INT32_MAX / d->multiplier, "the output depth ",
                     d->in_depth, " * ", d->multiplier, " is too large");
    d->out_depth = d->in_depth * d->multiplier;
  }
  OPBRIDGE_REQUIRE(!known(d->in_rows) || nn::BelowIntMax(d->in_rows), "Input rows too large (", d->in_rows, ")");
  OPBRIDGE_REQUIRE(!known(d->in_cols) || nn::BelowIntMax(d->in_cols), "Input cols too large (", d->in_cols, ")");
  d->stride = p.strides[static_cast<size_t>(nn::SpatialIndex(f, 0))];
  if (p.padding == Padding::kExplicit) {
    const auto h = static_cast<size_t>(nn::SpatialIndex(f, 0)), w = static_cast<size_t>(nn::SpatialIndex(f, 1));
    d->rows.pad_before = p.explicit_paddings[2 * h];
    d->rows.pad_after = p.explicit_paddings[2 * h + 1];
    d->cols.pad_before = p.explicit_paddings[2 * w];
    d->cols.pad_after = p.explicit_paddings[2 * w + 1];
  }
  if (known(d->in_rows) && known(d->filter_rows)) {
    OPBRIDGE_RETURN_IF_ERROR(nn::WindowedOutputSize(d->in_rows, d->filter_rows, 1, d->stride, p.padding, &d->rows));
    d->rows_known = true;
  }
  if (known(d->in_cols) && known(d->filter_cols)) {
    OPBRIDGE_RETURN_IF_ERROR(nn::WindowedOutputSize(d->in_cols, d->filter_cols, 1, d->stride, p.padding, &d->cols));
    d->cols_known = true;
  }
  OPBRIDGE_REQUIRE(!d->rows_known || d->rows.out <= INT32_MAX, "the output would have ", d->rows.out, " rows");
  OPBRIDGE_REQUIRE(!d->cols_known || d->cols.out <= INT32_MAX, "the output would have ", d->cols.out, " cols");
  return Status::Ok();
}

Status DepthwiseShape(ShapeContext& ctx, const DepthwiseParams& p) {
  DepthwiseDims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, ctx.input(0), ctx.input(1), ctx.input_name(0), ctx.input_name(1), &d));
  const int64_t rows = d.rows_known ? d.rows.out : kUnknownDim;
  const int64_t cols = d.cols_known ? d.cols.out : kUnknownDim;
  ctx.set_output(0, p.data_format == DataFormat::kChannelsLast ? Shape({d.batch, rows, cols, d.out_depth})
                                                               : Shape({d.batch, d.out_depth, rows, cols}));
  return Status::Ok();
}

// One tap: acc + x * w, rounded as TF's kernel rounds it: float and double
// once for the product and once for the sum; the 16-bit floats compute in
// float (where their product is exact) and round the sum to T, as Eigen's
// half and bfloat16 packets do (measured bit for bit against TF).
// Bodies inlined into the baseline and the AVX2 entry point, each compiled
// for its own instruction set.
#define OPBRIDGE_DEPTHWISE_INLINE __attribute__((always_inline)) inline

template <typename T>
OPBRIDGE_DEPTHWISE_INLINE T Tap(T acc, T x, T w) {
  if constexpr (math::kHalfType<T>) {
    return static_cast<T>(static_cast<float>(acc) + static_cast<float>(x) * static_cast<float>(w));
  } else {
    return acc + x * w;
  }
}

// The tap rows of one output row: for each filter row i, the input row's
// values per output channel (the pixel's channel d repeated for channels
// d * M .. d * M + M - 1 when the multiplier M > 1), or null above or below
// the image. Spread rows are cached by input row, so that the rows shared by
// consecutive output rows (stride < filter rows) are spread once.
template <typename T>
class TapRows {
 public:
  explicit TapRows(const DepthwiseDims& d) : d_(d), slots_(static_cast<size_t>(d.filter_rows)) {
    if (d.multiplier != 1) {
      for (auto& slot : slots_) slot.values.resize(static_cast<size_t>(d.in_cols * d.out_depth));
    }
  }

  // Row pointers for output row r of image n, [filter_rows].
  void Fill(const T* image, int64_t n, int64_t r, const T** rows) {
    for (int64_t i = 0; i < d_.filter_rows; ++i) {
      const int64_t y = r * d_.stride + i - d_.rows.pad_before;
      if (y < 0 || y >= d_.in_rows) {
        rows[i] = nullptr;
        continue;
      }
      const T* src = image + y * d_.in_cols * d_.in_depth;
      if (d_.multiplier == 1) {
        rows[i] = src;
        continue;
      }
      // Distinct rows of one output row differ by less than filter_rows: distinct slots.
      Slot& slot = slots_[static_cast<size_t>(y % d_.filter_rows)];
      if (slot.image != n || slot.row != y) {
        const int64_t m = d_.multiplier;
        T* dst = slot.values.data();
        for (int64_t k = 0; k < d_.in_cols * d_.in_depth; ++k) std::fill_n(dst + k * m, m, src[k]);
        slot.image = n;
        slot.row = y;
      }
      rows[i] = slot.values.data();
    }
  }

 private:
  struct Slot {
    int64_t image = -1, row = -1;
    std::vector<T> values;
  };
  const DepthwiseDims& d_;
  std::vector<Slot> slots_;
};

// Output channels [q0, q0 + B) of one output pixel: the taps in row-major
// order, each acc + x * w (Tap), from 0; padding taps add 0 * w like the
// others. srcs[t] is tap t's input row at channel 0 (a row of zeros for
// padding), found once per pixel for all its channel blocks. B channels stay
// in registers for all taps (one load and store per output instead of per
// tap).
template <typename T, int64_t B>
OPBRIDGE_DEPTHWISE_INLINE void PixelBlock(const T* const* srcs, int64_t taps, const T* filter, int64_t out_depth,
                                          int64_t q0, T* dst) {
  T acc[B];
  for (int64_t b = 0; b < B; ++b) acc[b] = T(0);
  for (int64_t t = 0; t < taps; ++t) {
    const T* src = srcs[t] + q0;
    const T* w = filter + t * out_depth + q0;
    for (int64_t b = 0; b < B; ++b) acc[b] = Tap(acc[b], src[b], w[b]);
  }
  for (int64_t b = 0; b < B; ++b) dst[q0 + b] = acc[b];
}

// The same for float and double on vectors: `V` vectors of W bytes (W = 32
// only inside the AVX2 entry point). Written on vector types because GCC
// split the element loop above into 8 + 4 + 2 + 1 + 1 lanes.
template <typename T, int W, int V>
OPBRIDGE_DEPTHWISE_INLINE void PixelVectors(const T* const* srcs, int64_t taps, const T* filter, int64_t out_depth,
                                            int64_t q0, T* dst) {
  using Vec = typename math::Cols<T, W>::type;
  using Unaligned = typename math::Cols<T, W>::unaligned;
  constexpr int kWidth = math::Cols<T, W>::kWidth;
  Vec acc[V];
  for (int v = 0; v < V; ++v) acc[v] = Vec{};
  for (int64_t t = 0; t < taps; ++t) {
    const T* src = srcs[t] + q0;
    const T* w = filter + t * out_depth + q0;
    for (int v = 0; v < V; ++v) {
      const Vec x = *reinterpret_cast<const Unaligned*>(src + v * kWidth);
      const Vec f = *reinterpret_cast<const Unaligned*>(w + v * kWidth);
      acc[v] = acc[v] + x * f;
    }
  }
  for (int v = 0; v < V; ++v) *reinterpret_cast<Unaligned*>(dst + q0 + v * kWidth) = acc[v];
}

#if defined(__x86_64__)
// The 16-bit floats on AVX2 + F16C: `V` blocks of eight channels in float
// registers, each tap acc + x * w in float and the sum rounded to T, as Tap
// does (the product of two 16-bit floats is exact in float, so this is Tap's
// one rounding to float, then its rounding to T).
template <typename T, int V>
__attribute__((target("avx2,f16c"), always_inline)) inline void PixelHalfLanes(const T* const* srcs, int64_t taps,
                                                                               const T* filter, int64_t out_depth,
                                                                               int64_t q0, T* dst) {
  using Lanes = math::HalfLanes<T>;
  __m256 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = _mm256_setzero_ps();
  for (int64_t t = 0; t < taps; ++t) {
    const T* src = srcs[t] + q0;
    const T* w = filter + t * out_depth + q0;
    for (int v = 0; v < V; ++v) {
      acc[v] = Lanes::Round(_mm256_add_ps(acc[v], _mm256_mul_ps(Lanes::Load(src + 8 * v), Lanes::Load(w + 8 * v))));
    }
  }
  for (int v = 0; v < V; ++v) Lanes::Store(dst + q0 + 8 * v, acc[v]);
}

// All channels of one output pixel. A call per pixel, not inlined into the
// row loop: GCC inlines the intrinsics only into functions built for their
// instruction set, and the row loop is shared with the baseline build.
template <typename T>
__attribute__((target("avx2,f16c"), noinline)) void PixelHalf(const T* const* srcs, int64_t taps, const T* filter,
                                                              int64_t out_depth, T* dst) {
  int64_t q0 = 0;
  for (; q0 + 32 <= out_depth; q0 += 32) PixelHalfLanes<T, 4>(srcs, taps, filter, out_depth, q0, dst);
  for (; q0 + 8 <= out_depth; q0 += 8) PixelHalfLanes<T, 1>(srcs, taps, filter, out_depth, q0, dst);
  for (; q0 < out_depth; ++q0) PixelBlock<T, 1>(srcs, taps, filter, out_depth, q0, dst);
}
#endif

// Per-thread buffers of the row loop.
template <typename T>
struct RowScratch {
  explicit RowScratch(const DepthwiseDims& d)
      : zeros(static_cast<size_t>(d.out_depth), T(0)),
        tap_rows(d),
        rows(static_cast<size_t>(d.filter_rows)),
        srcs(static_cast<size_t>(d.filter_rows * d.filter_cols)) {}
  const std::vector<T> zeros;  // the padding's values
  TapRows<T> tap_rows;
  std::vector<const T*> rows, srcs;
};

// Output rows [begin, end) (item = image * out_rows + row). W: the vector
// width in bytes for float and double (0: element by element; -1: half and
// bfloat16 in float registers, PixelHalfLanes).
template <typename T, int W>
OPBRIDGE_DEPTHWISE_INLINE void ConvolveRowsBody(const DepthwiseDims& d, const T* in, const T* filter, T* out,
                                                int64_t begin, int64_t end, RowScratch<T>& scratch) {
  const int64_t height = d.in_rows, width = d.in_cols, depth = d.in_depth;
  const int64_t out_depth = d.out_depth, out_rows = d.rows.out, out_cols = d.cols.out;
  const int64_t k_rows = d.filter_rows, k_cols = d.filter_cols;
  // Channels per register block: 64 bytes of float or double.
  constexpr int64_t kBlock = 64 / static_cast<int64_t>(sizeof(T)) > 0 ? 64 / static_cast<int64_t>(sizeof(T)) : 1;
  const T** rows = scratch.rows.data();
  const T** srcs = scratch.srcs.data();
  for (int64_t item = begin; item < end; ++item) {
    const int64_t n = item / out_rows, r = item % out_rows;
    scratch.tap_rows.Fill(in + n * height * width * depth, n, r, rows);
    T* dst = out + item * out_cols * out_depth;
    for (int64_t c = 0; c < out_cols; ++c, dst += out_depth) {
      for (int64_t i = 0; i < k_rows; ++i) {
        for (int64_t j = 0; j < k_cols; ++j) {
          const int64_t x = c * d.stride + j - d.cols.pad_before;
          const bool inside = rows[i] != nullptr && x >= 0 && x < width;
          srcs[i * k_cols + j] = inside ? rows[i] + x * out_depth : scratch.zeros.data();
        }
      }
      const int64_t taps = k_rows * k_cols;
      int64_t q0 = 0;
      if constexpr (W > 0) {
        constexpr int64_t kWide = math::Cols<T, W>::kWidth, kNarrow = math::Cols<T, 16>::kWidth;
        for (; q0 + kBlock <= out_depth; q0 += kBlock) {
          PixelVectors<T, W, static_cast<int>(kBlock / kWide)>(srcs, taps, filter, out_depth, q0, dst);
        }
        for (; q0 + kNarrow <= out_depth; q0 += kNarrow) PixelVectors<T, 16, 1>(srcs, taps, filter, out_depth, q0, dst);
      } else if constexpr (W < 0) {
#if defined(__x86_64__)
        PixelHalf<T>(srcs, taps, filter, out_depth, dst);
        q0 = out_depth;
#endif
      } else {
        for (; q0 + kBlock <= out_depth; q0 += kBlock) PixelBlock<T, kBlock>(srcs, taps, filter, out_depth, q0, dst);
      }
      for (; q0 < out_depth; ++q0) PixelBlock<T, 1>(srcs, taps, filter, out_depth, q0, dst);
    }
  }
}

template <typename T>
void ConvolveRows(const DepthwiseDims& d, const T* in, const T* filter, T* out, int64_t begin, int64_t end,
                  RowScratch<T>& scratch) {
  constexpr int kWidth = std::is_same_v<T, float> || std::is_same_v<T, double> ? 16 : 0;
  ConvolveRowsBody<T, kWidth>(d, in, filter, out, begin, end, scratch);
}

#if defined(__x86_64__)
// 32-byte vectors for float and double. AVX2 without FMA: the multiply and
// the add still round separately, so the bits are the baseline's (and TF's).
template <typename T>
__attribute__((target("avx2"), noinline)) void ConvolveRowsAvx2(const DepthwiseDims& d, const T* in,
                                                                const T* filter, T* out, int64_t begin, int64_t end,
                                                                RowScratch<T>& scratch) {
  ConvolveRowsBody<T, 32>(d, in, filter, out, begin, end, scratch);
}
#endif

template <typename T>
Status Convolve(KernelContext& ctx, const DepthwiseDims& d, const T* in, T* out) {
  const T* filter = ctx.input(1).data<T>();
  // About a nanosecond per multiply-add.
  const int64_t cost = nn::ItemCost(static_cast<double>(d.cols.out) * static_cast<double>(d.out_depth) *
                                        static_cast<double>(d.filter_rows) * static_cast<double>(d.filter_cols),
                                    d.batch * d.rows.out);
  // One item per output row; each element is computed alone, so any split gives the same bits.
  ctx.ParallelFor(d.batch * d.rows.out, cost, [&](int64_t begin, int64_t end) {
    RowScratch<T> scratch(d);
#if defined(__x86_64__)
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      if (math::UseAvx2()) return ConvolveRowsAvx2<T>(d, in, filter, out, begin, end, scratch);
    } else if constexpr (math::kHalfType<T>) {
      if (math::UseF16c()) return ConvolveRowsBody<T, -1>(d, in, filter, out, begin, end, scratch);
    }
#endif
    ConvolveRows<T>(d, in, filter, out, begin, end, scratch);
  });
  return Status::Ok();
}

// [N, A, B, C] -> [N, C, A, B] (to_channels_first) or back, for NCHW.
template <typename T>
void Transpose(const T* src, int64_t n, int64_t a, int64_t b, int64_t c, bool to_channels_first, T* dst) {
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t ch = 0; ch < c; ++ch) {
      for (int64_t pos = 0; pos < a * b; ++pos) {
        const int64_t last = (i * a * b + pos) * c + ch, first = (i * c + ch) * a * b + pos;
        if (to_channels_first) {
          dst[first] = src[last];
        } else {
          dst[last] = src[first];
        }
      }
    }
  }
}

Status DepthwiseKernel(KernelContext& ctx, const DepthwiseParams& p) {
  DepthwiseDims d;
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& filter = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, input.shape(), filter.shape(), input.name(), filter.name(), &d));
  if (ctx.output(0).num_elements() == 0) return Status::Ok();
  // TF's own CPU kernel refuses NCHW; TF's x86 build hands float32 and
  // bfloat16 to oneDNN instead, which computes it (the converter leaves such
  // nodes: it does not transpose a depthwise). Those types run here through
  // NHWC copies; the others fail with TF's message.
  const bool channels_first = p.data_format == DataFormat::kChannelsFirst;
  const bool onednn_type = input.dtype() == DType::kFloat32 || input.dtype() == DType::kBFloat16;
  OPBRIDGE_REQUIRE(!channels_first || onednn_type, "Depthwise convolution on CPU is only supported for NHWC format");
  return math::DispatchFloating(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (!channels_first) return Convolve<T>(ctx, d, input.data<T>(), ctx.output(0).data<T>());
    std::vector<T> in(static_cast<size_t>(input.num_elements()));
    std::vector<T> out(static_cast<size_t>(ctx.output(0).num_elements()));
    Transpose(input.data<T>(), d.batch, d.in_rows, d.in_cols, d.in_depth, /*to_channels_first=*/false, in.data());
    OPBRIDGE_RETURN_IF_ERROR(Convolve<T>(ctx, d, in.data(), out.data()));
    Transpose(out.data(), d.batch, d.rows.out, d.cols.out, d.out_depth, /*to_channels_first=*/true,
              ctx.output(0).data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DepthwiseConv2dNative")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Depthwise 2-D convolution: each input channel convolved with its own M filters "
                              "(tf.nn.depthwise_conv2d).")
                         .Input("input: T")
                         .Input("filter: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Params<DepthwiseParams>()
                         .ShapeRule(DepthwiseShape)
                         .Kernel(DepthwiseKernel));

}  // namespace
}  // namespace opbridge
