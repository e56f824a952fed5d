// Conv3DBackpropFilterV2: the gradient of Conv3D with respect to its filter,
// which a converted training step leaves custom for every Conv3D it trains
// (the input gradient becomes the builtin CONV_3D_TRANSPOSE). Options {T,
// strides, padding, data_format, dilations}.
//
//   input [N, D, H, W, C], filter_sizes (int32 [5] = [KD, KH, KW, C, F]),
//   out_backprop [N, OD, OH, OW, F] -> filter_backprop [KD, KH, KW, C, F]
//   filter_backprop[a, i, j, c, f] = sum over output pixels (n, p, r, q) of
//       input[n, p*sd + a*dd - pad_d, r*sh + i*dh - pad_h, q*sw + j*dw - pad_w, c] * dy[n, p, r, q, f]
// with zeros outside the volume, multiplied like any value (TF's im2col).
//
// TF's CPU kernel for every type but oneDNN's is Conv3DCustomBackpropFilterOp:
// its checks and texts are followed (NDHWC only, no dilations, no groups).
// TF's x86 build runs float32 and bfloat16 through oneDNN, which computes
// dilations and NCDHW: those run here for those two types (NCDHW through
// channels-last copies). Compute as
// Conv2DBackpropFilter: per filter tap, X_tap^T * DY with Eigen GEMMs over
// fixed tiles of output pixels, their partial sums added in double, one work
// item per tap (the same bits for any thread count); half and bfloat16 sum
// in float and round once. float32 with AVX2+FMA: conv_gemm.h's
// TapGradientAvx2, as Conv2DBackpropFilter.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
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
using nn::Padding;

constexpr const char* kLabel = "Conv3DBackpropFilterOp";

struct Conv3DBackpropFilterParams {
  std::vector<int64_t> strides;
  Padding padding = Padding::kValid;
  DataFormat data_format = DataFormat::kChannelsLast;
  std::vector<int64_t> dilations;

  static void Declare(ParamBinder& b, Conv3DBackpropFilterParams& p) {
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Enum("data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'", &p.data_format,
           {{"NDHWC", DataFormat::kChannelsLast}, {"NCDHW", DataFormat::kChannelsFirst}});
    b.Attr("dilations: list(int) = [1, 1, 1, 1, 1]", &p.dilations);
  }
};

// Conv3DCustomBackpropFilterOp's constructor, in its order; oneDNN's types
// take dilations.
Status CheckForType(const Conv3DBackpropFilterParams& p, DType dtype) {
  OPBRIDGE_REQUIRE(p.data_format == DataFormat::kChannelsLast || nn::OneDnnType(dtype),
                   "Conv3DBackpropFilterOpV2 only supports NDHWC on the CPU.");
  const auto c = static_cast<size_t>(nn::ChannelIndex(p.data_format, 3));
  OPBRIDGE_REQUIRE(p.dilations.size() == 5, "Dilation rates field must specify 5 dimensions");
  OPBRIDGE_REQUIRE(p.dilations[0] == 1 && p.dilations[c] == 1,
                   "Current implementation does not yet support dilation rates in the batch and depth dimensions.");
  for (int i = 0; i < 3; ++i) {
    const int64_t d = p.dilations[static_cast<size_t>(nn::SpatialIndex(p.data_format, i))];
    OPBRIDGE_REQUIRE(d == 1 || (nn::OneDnnType(dtype) && d > 1),
                     "Current CPU implementation does not yet support dilation rates larger than 1.");
  }
  OPBRIDGE_REQUIRE(p.strides.size() == 5, "Sliding window strides field must specify 5 dimensions");
  OPBRIDGE_REQUIRE(p.strides[0] == 1 && p.strides[c] == 1,
                   "Current implementation does not yet support strides in the batch and depth dimensions.");
  return Status::Ok();
}

struct Dims {
  int64_t batch = 0, in_depth = 0, out_depth = 0;
  int64_t in[3] = {0, 0, 0}, k[3] = {0, 0, 0}, out[3] = {0, 0, 0};
  int64_t stride[3] = {1, 1, 1}, dilation[3] = {1, 1, 1}, pad[3] = {0, 0, 0};
};

// The kernel's checks of its three shapes, then ConvBackpropComputeDimensions.
Status ComputeDims(const Conv3DBackpropFilterParams& p, const Shape& input, const Shape& filter,
                   const Shape& out_backprop, Dims* d) {
  OPBRIDGE_REQUIRE(input.rank() == 5, "input tensor must have 5 dimensions");
  OPBRIDGE_REQUIRE(filter.rank() == 5, "filter_sizes tensor must have 5 dimensions");
  OPBRIDGE_REQUIRE(out_backprop.rank() == 5, "out_backprop tensor must have 5 dimensions");
  // TF's kernel reads the channels at dim 4 (NDHWC, its only layout); oneDNN's NCDHW at dim 1.
  const DataFormat f = p.data_format;
  const int ch = nn::ChannelIndex(f, 3);
  OPBRIDGE_REQUIRE(input.dim(ch) == filter.dim(3), "input and filter_sizes must have the same number of channels. Got ",
                   input.dim(ch), " for input and ", filter.dim(3), " for filter_sizes");
  OPBRIDGE_REQUIRE(out_backprop.dim(ch) == filter.dim(4),
                   "out_backprop and filter_sizes must have the same number of channels. Got ", out_backprop.dim(ch),
                   " for out_backprop and ", filter.dim(4), " for filter_sizes");
  d->batch = input.dim(0);
  OPBRIDGE_REQUIRE(d->batch == out_backprop.dim(0), kLabel,
                   ": input and out_backprop must have the same batch size. Input batch: ", d->batch,
                   ", outbackprop batch: ", out_backprop.dim(0), ", batch_dim: 0");
  d->in_depth = input.dim(ch);
  d->out_depth = filter.dim(4);
  for (int i = 0; i < 3; ++i) {
    const int at = nn::SpatialIndex(f, i);
    d->in[i] = input.dim(at);
    d->k[i] = filter.dim(i);
    d->stride[i] = p.strides[static_cast<size_t>(at)];
    d->dilation[i] = p.dilations[static_cast<size_t>(at)];
    nn::WindowDim w;
    OPBRIDGE_RETURN_IF_ERROR(nn::WindowedOutputSize(d->in[i], d->k[i], d->dilation[i], d->stride[i], p.padding, &w));
    const int64_t actual = out_backprop.dim(at);
    OPBRIDGE_REQUIRE(w.out == actual, kLabel, ": Size of out_backprop doesn't match computed: actual = ", actual,
                     ", computed = ", w.out, " spatial_dim: ", at, " input: ", d->in[i], " filter: ", d->k[i],
                     " output: ", actual, " stride: ", d->stride[i], " dilation: ", d->dilation[i]);
    d->out[i] = w.out;
    d->pad[i] = w.pad_before;
  }
  return Status::Ok();
}

Status FilterShape(ShapeContext& ctx, const Conv3DBackpropFilterParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckForType(p, ctx.input_dtype(0)));
  const ConstTensor* sizes = ctx.input_value(1);
  if (sizes == nullptr) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(sizes->rank() == 1, "filter_sizes shape must be rank 1 but is rank ", sizes->rank());
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(*sizes, "filter_sizes", kLabel, &shape));
  ctx.set_output(0, shape);
  return Status::Ok();
}

template <typename T>
void Backprop(KernelContext& ctx, const Dims& d, const T* x, const T* dy, T* out) {
  using Acc = nn::Accumulator<T>;
  using Matrix = Eigen::Matrix<Acc, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int64_t depth = d.in_depth, out_depth = d.out_depth;
  const int64_t od = d.out[0], oh = d.out[1], ow = d.out[2];
  const int64_t pixels = d.batch * od * oh * ow, taps = d.k[0] * d.k[1] * d.k[2];
  const int64_t row_bytes = (depth + out_depth) * static_cast<int64_t>(sizeof(Acc));
  const int64_t tile =
      std::min<int64_t>(1024, std::max<int64_t>(8, (int64_t{256} << 10) / std::max<int64_t>(1, row_bytes)));
  if constexpr (std::is_same_v<T, float>) {
    if (math::UseAvx2Fma()) {
      nn::TapGradientAvx2(ctx, taps, pixels, depth, out_depth, tile, dy, out,
                          [&](int64_t tap, int64_t first, int64_t count, const float* zeros, const float** srcs) {
                            const int64_t ka = tap / (d.k[1] * d.k[2]), ki = tap / d.k[2] % d.k[1];
                            const int64_t kj = tap % d.k[2];
                            for (int64_t k = 0; k < count;) {  // a row of output pixels at a time
                              const int64_t pix = first + k, q = pix % ow, rows = pix / ow;
                              const int64_t r = rows % oh, p = rows / oh % od, n = rows / (oh * od);
                              const int64_t run = std::min(ow - q, count - k);
                              const int64_t z = p * d.stride[0] + ka * d.dilation[0] - d.pad[0];
                              const int64_t y = r * d.stride[1] + ki * d.dilation[1] - d.pad[1];
                              const bool inside = z >= 0 && z < d.in[0] && y >= 0 && y < d.in[1];
                              const float* row = inside ? x + ((n * d.in[0] + z) * d.in[1] + y) * d.in[2] * depth
                                                        : nullptr;
                              nn::RowSources(row, q * d.stride[2] + kj * d.dilation[2] - d.pad[2], d.stride[2], d.in[2],
                                             depth, run, zeros, srcs + k);
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
    Eigen::MatrixXd sum(depth, out_depth);  // the tiles' partial sums, in double
    if constexpr (!std::is_same_v<T, Acc>) b.resize(tile, out_depth);
    for (int64_t tap = begin; tap < end; ++tap) {
      const int64_t ka = tap / (d.k[1] * d.k[2]), ki = tap / d.k[2] % d.k[1], kj = tap % d.k[2];
      sum.setZero();
      for (int64_t first = 0; first < pixels; first += tile) {
        const int64_t count = std::min(tile, pixels - first);
        for (int64_t k = 0; k < count; ++k) {
          const int64_t pix = first + k, n = pix / (od * oh * ow);
          const int64_t p = pix / (oh * ow) % od, r = pix / ow % oh, q = pix % ow;
          const int64_t z = p * d.stride[0] + ka * d.dilation[0] - d.pad[0];
          const int64_t y = r * d.stride[1] + ki * d.dilation[1] - d.pad[1];
          const int64_t xx = q * d.stride[2] + kj * d.dilation[2] - d.pad[2];
          Acc* row = a.data() + k * depth;
          if (z >= 0 && z < d.in[0] && y >= 0 && y < d.in[1] && xx >= 0 && xx < d.in[2]) {
            nn::CopyAs(x + (((n * d.in[0] + z) * d.in[1] + y) * d.in[2] + xx) * depth, depth, row);
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

Status FilterKernel(KernelContext& ctx, const Conv3DBackpropFilterParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& sizes = ctx.input(1);
  const ConstTensor& dy = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(CheckForType(p, input.dtype()));
  OPBRIDGE_REQUIRE(sizes.rank() == 1, "filter_sizes shape must be rank 1 but is rank ", sizes.rank());
  Shape filter;
  OPBRIDGE_RETURN_IF_ERROR(nn::SizesShape(sizes, "filter_sizes", kLabel, &filter));
  Dims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, input.shape(), filter, dy.shape(), &d));
  OPBRIDGE_RETURN_IF_ERROR(nn::AllocateSized(ctx, filter));
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  return math::DispatchFloating(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // [N, C, D, H, W] as [N, C, D*H, W]: the 4-D copies of conv_backprop.h serve.
    auto flat = [](const ConstTensor& t) { return Shape({t.dim(0), t.dim(1), t.dim(2) * t.dim(3), t.dim(4)}); };
    const nn::ChannelsLast<T> xl(input.data<T>(), flat(input), p.data_format);
    const nn::ChannelsLast<T> gl(dy.data<T>(), flat(dy), p.data_format);
    Backprop<T>(ctx, d, xl.data(), gl.data(), output.data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Conv3DBackpropFilterV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Conv3D with respect to its filter.")
                         .Input("input: T")
                         .Input("filter_sizes: int32")
                         .Input("out_backprop: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Params<Conv3DBackpropFilterParams>()
                         .ShapeRule(FilterShape)
                         .Kernel(FilterKernel));

}  // namespace
}  // namespace opbridge
