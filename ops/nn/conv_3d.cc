// Conv3D: TF's 3-D convolution (tf.nn.conv3d, Keras Conv3D). The converter
// maps float32 to the builtin CONV_3D (even with unknown channels or a
// runtime filter) but leaves float64, half and bfloat16 as CUSTOM "Conv3D"
// with TF's attrs {T, strides, padding, data_format, dilations}
// (docs/design.md, "Converter facts").
//
//   input [N, D, H, W, C], filter [KD, KH, KW, C, F] -> output [N, OD, OH, OW, F]
//   output[n, p, r, c, f] = sum over (a, i, j, d) of
//       input[n, p * sp + a - pad_front, r * sr + i - pad_top, c * sc + j - pad_left, d] * filter[a, i, j, d, f]
// with 0 outside the volume. TF's CPU kernel (conv_ops_3d.cc) is the
// reference, checks and texts in its order: attrs at construction; then the
// ranks, a non-zero filter depth dividing the input's, a filter without zero
// dims, the output size; an empty output returns; only then NDHWC, unit
// dilations and a filter depth equal to the input's (no groups on CPU).
//
// Compute: im2col + Eigen's blocked GEMM (conv_gemm.h). half and bfloat16
// accumulate in float and round once; TF's CPU kernel sums them in their own
// type (Eigen's CuboidConvolution on T), so TF is the less accurate one and
// the tests bound both against the exact sum.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "conv_gemm.h"
#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct Conv3DParams {
  std::vector<int64_t> strides;
  Padding padding = Padding::kValid;
  DataFormat data_format = DataFormat::kChannelsLast;
  std::vector<int64_t> dilations;

  static void Declare(ParamBinder& b, Conv3DParams& p) {
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Enum("data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'", &p.data_format,
           {{"NDHWC", DataFormat::kChannelsLast}, {"NCDHW", DataFormat::kChannelsFirst}});
    b.Attr("dilations: list(int) = [1, 1, 1, 1, 1]", &p.dilations);
  }

  // TF's op definition (strides: list(int) >= 5) and kernel constructor.
  Status Validate() const {
    OPBRIDGE_REQUIRE(strides.size() >= 5, "Length for attr 'strides' of ", strides.size(),
                     " must be at least minimum 5");
    OPBRIDGE_REQUIRE(strides.size() == 5, "Sliding window strides field must specify 5 dimensions (attr "
                     "'strides' has ", strides.size(), ")");
    const auto c = static_cast<size_t>(nn::ChannelIndex(data_format, 3));
    OPBRIDGE_REQUIRE(strides[0] == 1 && strides[c] == 1,
                     "Current implementation does not yet support strides in the batch and depth dimensions.");
    for (int i = 0; i < 3; ++i) {
      OPBRIDGE_REQUIRE(strides[static_cast<size_t>(nn::SpatialIndex(data_format, i))] > 0,
                       "Spatial strides should be larger than 0.");
    }
    OPBRIDGE_REQUIRE(dilations.size() == 5, "Dilation rates field must specify 5 dimensions (attr 'dilations' "
                     "has ", dilations.size(), ")");
    OPBRIDGE_REQUIRE(dilations[0] == 1 && dilations[c] == 1,
                     "Current implementation does not yet support dilation rates in the batch and depth dimensions.");
    for (int i = 0; i < 3; ++i) {
      OPBRIDGE_REQUIRE(dilations[static_cast<size_t>(nn::SpatialIndex(data_format, i))] > 0,
                       "Dilated rates should be larger than 0.");
    }
    return Status::Ok();
  }
};

struct Conv3DDims {
  int64_t batch = kUnknownDim, in_depth = kUnknownDim, filter_depth = kUnknownDim, out_depth = kUnknownDim;
  int64_t in[3] = {kUnknownDim, kUnknownDim, kUnknownDim};
  int64_t filter[3] = {kUnknownDim, kUnknownDim, kUnknownDim};
  int64_t stride[3] = {1, 1, 1}, dilation[3] = {1, 1, 1};
  nn::WindowDim window[3];
  bool known[3] = {false, false, false};
};

// TF's Conv3DOp::Compute up to the output allocation; unknown dims pass.
Status ComputeDims(const Conv3DParams& p, const Shape& input, const Shape& filter, const std::string& input_name,
                   const std::string& filter_name, Conv3DDims* d) {
  OPBRIDGE_REQUIRE(!input.rank_known() || input.rank() == 5, "input must be 5-dimensional (input '", input_name,
                   "' has shape ", input.ToString(), ")");
  OPBRIDGE_REQUIRE(!filter.rank_known() || filter.rank() == 5, "filter must be 5-dimensional (input '",
                   filter_name, "' has shape ", filter.ToString(), ")");
  auto known = [](int64_t v) { return v != kUnknownDim; };
  const DataFormat f = p.data_format;
  if (input.rank_known()) {
    d->batch = input.dim(0);
    d->in_depth = input.dim(nn::ChannelIndex(f, 3));
    for (int i = 0; i < 3; ++i) d->in[i] = input.dim(nn::SpatialIndex(f, i));
  }
  bool filter_empty = false;
  if (filter.rank_known()) {
    for (int i = 0; i < 3; ++i) d->filter[i] = filter.dim(i);
    d->filter_depth = filter.dim(3);
    d->out_depth = filter.dim(4);
    for (int i = 0; i < 5; ++i) filter_empty = filter_empty || filter.dim(i) == 0;
  }
  OPBRIDGE_REQUIRE(d->filter_depth != 0, "filter_depth must be non-zero (input '", filter_name, "' has shape ",
                   filter.ToString(), ")");
  OPBRIDGE_REQUIRE(!known(d->in_depth) || !known(d->filter_depth) || d->in_depth % d->filter_depth == 0,
                   "Input depth must be evenly divisible by filter depth: ", d->in_depth, " vs ", d->filter_depth);
  OPBRIDGE_REQUIRE(!filter_empty, "filter must not have zero elements (i.e. all dimensions must be non-zero) "
                   "(input '", filter_name, "' has shape ", filter.ToString(), ")");
  for (int i = 0; i < 3; ++i) {
    d->stride[i] = p.strides[static_cast<size_t>(nn::SpatialIndex(f, i))];
    d->dilation[i] = p.dilations[static_cast<size_t>(nn::SpatialIndex(f, i))];
    if (!known(d->in[i]) || !known(d->filter[i])) continue;
    OPBRIDGE_RETURN_IF_ERROR(
        nn::WindowedOutputSize(d->in[i], d->filter[i], d->dilation[i], d->stride[i], p.padding, &d->window[i]));
    OPBRIDGE_REQUIRE(d->window[i].out <= INT32_MAX, "the output would have ", d->window[i].out, " in spatial dim ",
                     i);
    d->known[i] = true;
  }
  return Status::Ok();
}

Status Conv3DShape(ShapeContext& ctx, const Conv3DParams& p) {
  Conv3DDims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, ctx.input(0), ctx.input(1), ctx.input_name(0), ctx.input_name(1), &d));
  int64_t out[3];
  for (int i = 0; i < 3; ++i) out[i] = d.known[i] ? d.window[i].out : kUnknownDim;
  ctx.set_output(0, p.data_format == DataFormat::kChannelsLast
                        ? Shape({d.batch, out[0], out[1], out[2], d.out_depth})
                        : Shape({d.batch, d.out_depth, out[0], out[1], out[2]}));
  return Status::Ok();
}

template <typename T>
Status Convolve(KernelContext& ctx, const Conv3DDims& d) {
  using Acc = nn::Accumulator<T>;
  const T* in = ctx.input(0).data<T>();
  const int64_t planes = d.in[0], height = d.in[1], width = d.in[2], depth = d.in_depth;
  const int64_t kp = d.filter[0], kr = d.filter[1], kc = d.filter[2];
  const int64_t op = d.window[0].out, orow = d.window[1].out, ocol = d.window[2].out;
  const int64_t reduction = kp * kr * kc * depth;
  const nn::FilterMatrix<T> rhs(ctx.input(1).data<T>(), reduction * d.out_depth);

  // A patch row: for each tap (a, i, j) the pixel's channels, or zeros in the padding.
  auto gather = [&](int64_t pixel, int64_t, Acc* row) {
    const int64_t n = pixel / (op * orow * ocol);
    const int64_t z = pixel / (orow * ocol) % op, r = pixel / ocol % orow, c = pixel % ocol;
    const T* volume = in + n * planes * height * width * depth;
    for (int64_t a = 0; a < kp; ++a) {
      const int64_t zz = z * d.stride[0] + a - d.window[0].pad_before;
      for (int64_t i = 0; i < kr; ++i) {
        const int64_t y = r * d.stride[1] + i - d.window[1].pad_before;
        const bool inside = zz >= 0 && zz < planes && y >= 0 && y < height;
        for (int64_t j = 0; j < kc; ++j, row += depth) {
          const int64_t x = c * d.stride[2] + j - d.window[2].pad_before;
          if (inside && x >= 0 && x < width) {
            nn::CopyAs(volume + ((zz * height + y) * width + x) * depth, depth, row);
          } else {
            std::fill(row, row + depth, Acc(0));
          }
        }
      }
    }
  };
  nn::PatchGemm<T>(ctx, d.batch * op * orow * ocol, 1, reduction, d.out_depth, rhs.data(), ctx.output(0).data<T>(),
                   nullptr, gather);
  return Status::Ok();
}

Status Conv3DKernel(KernelContext& ctx, const Conv3DParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& filter = ctx.input(1);
  Conv3DDims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, input.shape(), filter.shape(), input.name(), filter.name(), &d));
  if (ctx.output(0).num_elements() == 0) return Status::Ok();
  // TF's CPU launcher.
  OPBRIDGE_REQUIRE(p.data_format == DataFormat::kChannelsLast,
                   "CPU implementation of Conv3D currently only supports the NHWC tensor format.");
  OPBRIDGE_REQUIRE(d.dilation[0] == 1 && d.dilation[1] == 1 && d.dilation[2] == 1,
                   "CPU implementation of Conv3D currently only supports dilated rates of 1.");
  OPBRIDGE_REQUIRE(d.filter_depth == d.in_depth, "Number of channels in filter (", d.filter_depth,
                   ") must match last dimension of input (", d.in_depth, ")");
  return nn::DispatchConvTypes(input.dtype(), /*allow_int32=*/false,
                               [&](auto tag) { return Convolve<typename decltype(tag)::type>(ctx, d); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Conv3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("3-D convolution of an NDHWC batch with a DHWIO filter (tf.nn.conv3d).")
                         .Input("input: T")
                         .Input("filter: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .Params<Conv3DParams>()
                         .ShapeRule(Conv3DShape)
                         .Kernel(Conv3DKernel));

}  // namespace
}  // namespace opbridge
