// Conv2DBackpropFilter: the gradient of Conv2D with respect to its filter,
// what a converted training step leaves for every Conv2D it trains (float32
// included: the converter has no builtin for it). Options {T, strides,
// use_cudnn_on_gpu, padding, explicit_paddings, data_format, dilations}.
//
//   input [N, H, W, C], filter_sizes (int32 [4] = [KH, KW, C, F]),
//   out_backprop [N, OH, OW, F] -> filter_backprop [KH, KW, C, F]
//   filter_backprop[i, j, c, f] = sum over (n, r, q) of
//       input[n, r * sr + i * dr - pad_top, q * sc + j * dc - pad_left, c] * out_backprop[n, r, q, f]
// with zeros outside the image (multiplied like any value, as TF's im2col).
//
// TF's CPU kernel for every type but oneDNN's float32/bfloat16 is
// Conv2DCustomBackpropFilterOp: its checks and texts are followed (NHWC
// only, no dilations, no groups). TF's x86 build runs float32 and bfloat16
// through oneDNN, which also takes NCHW and dilations: those run here for
// those two types (NCHW through channels-last copies).
//
// Compute: for each filter tap (i, j), the [C, F] block is X_ij^T * DY,
// where DY is out_backprop as a [pixels, F] matrix and X_ij the input pixel
// each output pixel's tap (i, j) reads, as [pixels, C]: Eigen GEMMs over
// fixed tiles of pixels (their partial sums added in double), one work item
// per tap, so results do not depend on the thread count. half and bfloat16
// sum in float and round once (TF's kernel contracts in the type itself).
// float32 with AVX2+FMA: conv_gemm.h's TapGradientAvx2 (FMA chains per tile,
// the tiles still added in double; other bits than Eigen's, neither TF's).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../math/avx2_dispatch.h"
#include "conv_backprop.h"
#include "conv_gemm.h"
#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::DataFormat;

constexpr const char* kLabel = "Conv2DCustomBackpropFilter";

struct BackpropFilterParams : nn::Conv2DWindowAttrs {
  static void Declare(ParamBinder& b, BackpropFilterParams& p) { DeclareWindow(b, p, /*with_cudnn=*/true); }

  Status Validate() const {
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window strides field must specify 4 dimensions");
    OPBRIDGE_REQUIRE(dilations.size() == 4, "Sliding window dilations field must specify 4 dimensions");
    return Status::Ok();
  }
};

// The kernel constructor's checks: TF's own kernel (Conv2DCustomBackpropFilterOp)
// refuses NCHW first and dilations last; oneDNN's types run both.
Status CheckForType(const BackpropFilterParams& p, DType dtype) {
  const bool onednn = nn::OneDnnType(dtype);
  OPBRIDGE_REQUIRE(onednn || p.data_format == DataFormat::kChannelsLast,
                   "Conv2DCustomBackpropFilterOp only supports NHWC.");
  const auto c = static_cast<size_t>(nn::ChannelIndex(p.data_format, 2));
  const auto h = static_cast<size_t>(nn::SpatialIndex(p.data_format, 0));
  const auto w = static_cast<size_t>(nn::SpatialIndex(p.data_format, 1));
  OPBRIDGE_REQUIRE(p.strides[0] == 1 && p.strides[c] == 1,
                   "Current implementation does not yet support strides in the batch and depth dimensions.");
  OPBRIDGE_REQUIRE(p.strides[h] > 0 && p.strides[w] > 0, "Row and column strides should be larger than 0.");
  OPBRIDGE_RETURN_IF_ERROR(nn::CheckValidPadding(p.padding, p.explicit_paddings, 4, p.data_format));
  OPBRIDGE_REQUIRE(p.dilations[0] == 1 && p.dilations[c] == 1,
                   "Current implementation does not yet support dilations in the batch and depth dimensions.");
  OPBRIDGE_REQUIRE(onednn || (p.dilations[h] == 1 && p.dilations[w] == 1),
                   "Current CPU implementations do not yet support dilation rates larger than 1.");
  OPBRIDGE_REQUIRE(p.dilations[h] > 0 && p.dilations[w] > 0, "Dilated rates should be larger than 0.");
  return Status::Ok();
}

Status FilterShape(ShapeContext& ctx, const BackpropFilterParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckForType(p, ctx.input_dtype(0)));
  return nn::SizedOutputShape(ctx, 1, "filter_sizes", kLabel);
}

template <typename T>
void Backprop(KernelContext& ctx, const nn::BackpropDims& d, const T* x, const T* dy, T* out) {
  using Acc = nn::Accumulator<T>;
  using Matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int64_t depth = d.in_depth, out_depth = d.out_depth, oh = d.out_rows, ow = d.out_cols;
  const int64_t pixels = d.batch * oh * ow, taps = d.filter_rows * d.filter_cols;
  // Pixels per GEMM: the gathered [tile, C] block and its DY rows stay L2-sized.
  const int64_t row_bytes = (depth + out_depth) * static_cast<int64_t>(sizeof(Acc));
  const int64_t tile = std::min<int64_t>(1024, std::max<int64_t>(8, (int64_t{256} << 10) / std::max<int64_t>(1, row_bytes)));
  if constexpr (std::is_same_v<T, float>) {
    if (math::UseAvx2Fma()) {
      nn::TapGradientAvx2(ctx, taps, pixels, depth, out_depth, tile, dy, out,
                          [&](int64_t tap, int64_t first, int64_t count, const float* zeros, const float** srcs) {
                            const int64_t i = tap / d.filter_cols, j = tap % d.filter_cols;
                            for (int64_t k = 0; k < count;) {  // a row of output pixels at a time
                              const int64_t pix = first + k, q = pix % ow, r = pix / ow % oh, n = pix / (ow * oh);
                              const int64_t run = std::min(ow - q, count - k);
                              const int64_t y = r * d.stride_rows + i * d.dilation_rows - d.rows.pad_before;
                              const float* row =
                                  y >= 0 && y < d.in_rows ? x + (n * d.in_rows + y) * d.in_cols * depth : nullptr;
                              nn::RowSources(row, q * d.stride_cols + j * d.dilation_cols - d.cols.pad_before,
                                             d.stride_cols, d.in_cols, depth, run, zeros, srcs + k);
                              k += run;
                            }
                          });
      return;
    }
  }
  const int64_t cost = nn::ItemCost(0.5 * static_cast<double>(pixels) * static_cast<double>(depth) *
                                        static_cast<double>(out_depth),
                                    taps);
  ctx.ParallelFor(taps, cost, [&](int64_t begin, int64_t end) {
    Matrix a(tile, depth), b, block(depth, out_depth);
    // The tiles' partial sums add up in double: a long batch does not grow the error.
    Eigen::MatrixXd sum(depth, out_depth);
    if constexpr (!std::is_same_v<T, Acc>) b.resize(tile, out_depth);
    for (int64_t tap = begin; tap < end; ++tap) {
      const int64_t i = tap / d.filter_cols, j = tap % d.filter_cols;
      sum.setZero();
      for (int64_t first = 0; first < pixels; first += tile) {
        const int64_t count = std::min(tile, pixels - first);
        for (int64_t k = 0; k < count; ++k) {
          const int64_t p = first + k, n = p / (oh * ow), r = p / ow % oh, q = p % ow;
          const int64_t y = r * d.stride_rows + i * d.dilation_rows - d.rows.pad_before;
          const int64_t xx = q * d.stride_cols + j * d.dilation_cols - d.cols.pad_before;
          Acc* row = a.data() + k * depth;
          if (y >= 0 && y < d.in_rows && xx >= 0 && xx < d.in_cols) {
            nn::CopyAs(x + ((n * d.in_rows + y) * d.in_cols + xx) * depth, depth, row);
          } else {
            std::fill(row, row + depth, Acc(0));
          }
        }
        const auto lhs = a.topRows(count);
        if constexpr (std::is_same_v<T, Acc>) {
          const Eigen::Map<const Matrix> rhs(dy + first * out_depth, count, out_depth);
          block.noalias() = lhs.transpose() * rhs;
        } else {
          nn::CopyAs(dy + first * out_depth, count * out_depth, b.data());
          block.noalias() = lhs.transpose() * b.topRows(count);
        }
        sum += block.template cast<double>();
      }
      T* dst = out + tap * depth * out_depth;
      for (int64_t c = 0; c < depth; ++c) {
        for (int64_t f = 0; f < out_depth; ++f) dst[c * out_depth + f] = static_cast<T>(sum(c, f));
      }
    }
  });
}

Status FilterKernel(KernelContext& ctx, const BackpropFilterParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& dy = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(CheckForType(p, input.dtype()));
  Shape filter;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(ctx.input(1), "filter_sizes", kLabel, &filter));
  nn::BackpropDims d;
  OPBRIDGE_RETURN_IF_ERROR(nn::ConvBackpropDims(kLabel, p, input.shape(), filter, dy.shape(), &d));
  OPBRIDGE_RETURN_IF_ERROR(nn::AllocateSized(ctx, filter));
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  // TF's kernel sizes its GEMM by the input's depth: a grouped filter does not fit it.
  const int64_t requested = d.filter_rows * d.filter_cols * d.in_depth * d.out_depth;
  OPBRIDGE_REQUIRE(requested == output.num_elements(), "filter_size does not have enough elements, requested ",
                   requested, ", got ", output.num_elements());
  return math::DispatchFloating(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const nn::ChannelsLast<T> x(input.data<T>(), input.shape(), p.data_format);
    const nn::ChannelsLast<T> g(dy.data<T>(), dy.shape(), p.data_format);
    Backprop<T>(ctx, d, x.data(), g.data(), output.data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Conv2DBackpropFilter")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Conv2D with respect to its filter.")
                         .Input("input: T")
                         .Input("filter_sizes: int32")
                         .Input("out_backprop: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Params<BackpropFilterParams>()
                         .ShapeRule(FilterShape)
                         .Kernel(FilterKernel));

}  // namespace
}  // namespace opbridge
