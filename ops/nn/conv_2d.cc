// Conv2D: TF's 2-D convolution (tf.nn.conv2d, Keras Conv2D). The converter
// maps it to the builtin CONV_2D only when it can (float32, NHWC, SAME or
// VALID, a filter of static shape and input channels known at conversion);
// otherwise it stays CUSTOM "Conv2D" with TF's attrs {T, strides,
// use_cudnn_on_gpu, padding, explicit_paddings, data_format, dilations}
// (docs/design.md, "Converter facts").
//
//   input [N, H, W, C], filter [KH, KW, C / G, F] -> output [N, OH, OW, F]
//   output[n, r, c, f] = sum over (i, j, d) of
//       input[n, r * sr + i * dr - pad_top, c * sc + j * dc - pad_left, g * C/G + d] * filter[i, j, d, f]
// with g = f / (F / G) the group of output channel f (G = C / filter depth,
// TF's CPU kernel computes grouped convolutions too) and 0 outside the image.
// Output sizes and padding follow TF's GetWindowedOutputSizeVerbose; the
// checks, their order and their texts follow TF's kernel (InitConv2DParameters,
// ComputeConv2DDimension, LaunchConv2DOp<CPU>): NCHW, which TF's CPU kernel
// does not run, is an error past the empty-output shortcuts, as in TF.
//
// Compute: im2col + Eigen's blocked GEMM (conv_gemm.h), each output pixel's
// patch a [KH*KW*C/G] row, the filter a [KH*KW*C/G, F/G] matrix per group.
// TF sums in another order (its own contraction kernel, or oneDNN): floats
// agree within the dot-product error bound, not bit for bit (float64 with
// AVX2+FMA: FMA chains, conv_gemm.h; docs/ops/conv_2d.md). half and
// bfloat16 accumulate in float and round once, as TF's CPU kernel does
// (conv_2d.h casts to float); int32 wraps on overflow as TF's does.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "conv_gemm.h"
#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using nn::DataFormat;
using nn::Padding;

struct Conv2DParams : nn::Conv2DWindowAttrs {
  static void Declare(ParamBinder& b, Conv2DParams& p) { DeclareWindow(b, p, /*with_cudnn=*/true); }

  // TF's InitConv2DParameters, which fails at kernel construction.
  Status Validate() const {
    OPBRIDGE_REQUIRE(dilations.size() == 4, "Sliding window dilations field must specify 4 dimensions (attr "
                     "'dilations' has ", dilations.size(), ")");
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window strides field must specify 4 dimensions (attr "
                     "'strides' has ", strides.size(), ")");
    const int c = nn::ChannelIndex(data_format, 2);
    const int h = nn::SpatialIndex(data_format, 0), w = nn::SpatialIndex(data_format, 1);
    OPBRIDGE_REQUIRE(strides[0] == 1 && strides[static_cast<size_t>(c)] == 1,
                     "Current implementation does not yet support strides in the batch and depth dimensions.");
    OPBRIDGE_REQUIRE(strides[static_cast<size_t>(h)] > 0 && strides[static_cast<size_t>(w)] > 0,
                     "Row and column strides should be larger than 0.");
    OPBRIDGE_REQUIRE(dilations[0] == 1 && dilations[static_cast<size_t>(c)] == 1,
                     "Current implementation does not yet support dilations in the batch and depth dimensions.");
    OPBRIDGE_REQUIRE(dilations[static_cast<size_t>(h)] > 0 && dilations[static_cast<size_t>(w)] > 0,
                     "Dilated rates should be larger than 0.");
    return nn::CheckValidPadding(padding, explicit_paddings, 4, data_format);
  }
};

// What TF's ComputeConv2DDimension derives from the params and shapes.
struct Conv2DDims {
  int64_t batch = kUnknownDim, in_rows = kUnknownDim, in_cols = kUnknownDim, in_depth = kUnknownDim;
  int64_t filter_rows = kUnknownDim, filter_cols = kUnknownDim, patch_depth = kUnknownDim, out_depth = kUnknownDim;
  int64_t stride_rows = 1, stride_cols = 1, dilation_rows = 1, dilation_cols = 1;
  nn::WindowDim rows, cols;
  bool rows_known = false, cols_known = false;
};

// TF's ComputeConv2DDimension, tolerating unknown dims (the checks of a dim
// run when it is known). Shapes of unknown rank pass.
Status ComputeConv2DDims(const Conv2DParams& p, const Shape& input, const Shape& filter,
                         const std::string& input_name, const std::string& filter_name, Conv2DDims* d) {
  // TF's reference kernel takes exactly 4-D inputs (tf.nn.conv2d folds extra
  // batch dims into one before the op).
  OPBRIDGE_REQUIRE(!input.rank_known() || input.rank() == 4, "convolution input must be 4-dimensional: ",
                   input.ToString(), " (input '", input_name, "')");
  OPBRIDGE_REQUIRE(!filter.rank_known() || filter.rank() == 4, "convolution filter must be 4-dimensional: ",
                   filter.ToString(), " (input '", filter_name, "')");
  auto known = [](int64_t v) { return v != kUnknownDim; };
  if (filter.rank_known()) {
    for (int i = 0; i < 3; ++i) {
      OPBRIDGE_REQUIRE(!known(filter.dim(i)) || nn::BelowIntMax(filter.dim(i)), "filter too large (input '",
                       filter_name, "' has shape ", filter.ToString(), ")");
    }
    d->filter_rows = filter.dim(0);
    d->filter_cols = filter.dim(1);
    d->patch_depth = filter.dim(2);
    d->out_depth = filter.dim(3);
  }
  const DataFormat f = p.data_format;
  if (input.rank_known()) {
    d->batch = input.dim(nn::BatchIndex(f));
    d->in_depth = input.dim(nn::ChannelIndex(f, 2));
    d->in_rows = input.dim(nn::SpatialIndex(f, 0));
    d->in_cols = input.dim(nn::SpatialIndex(f, 1));
  }
  OPBRIDGE_REQUIRE(!known(d->in_depth) || nn::BelowIntMax(d->in_depth), "Input depth too large (",
                   d->in_depth, ")");
  OPBRIDGE_REQUIRE(!known(d->patch_depth) || nn::BelowIntMax(d->patch_depth), "Patch depth too large (",
                   d->patch_depth, ")");
  OPBRIDGE_REQUIRE(!known(d->patch_depth) || d->patch_depth > 0, "filter depth must be stricly positive, got ",
                   d->patch_depth, " (input '", filter_name, "' has shape ", filter.ToString(), ")");
  OPBRIDGE_REQUIRE(!known(d->in_depth) || !known(d->patch_depth) || d->in_depth % d->patch_depth == 0,
                   "input depth must be evenly divisible by filter depth: ", d->in_depth, " vs ", d->patch_depth,
                   " (input '", input_name, "' has shape ", input.ToString(), ", filter '", filter_name, "' ",
                   filter.ToString(), ")");
  OPBRIDGE_REQUIRE(!known(d->in_rows) || nn::BelowIntMax(d->in_rows), "Input rows too large (", d->in_rows, ")");
  OPBRIDGE_REQUIRE(!known(d->in_cols) || nn::BelowIntMax(d->in_cols), "Input cols too large (", d->in_cols, ")");
  OPBRIDGE_REQUIRE(!known(d->batch) || nn::BelowIntMax(d->batch), "batch is too large (", d->batch, ")");

  d->stride_rows = p.strides[static_cast<size_t>(nn::SpatialIndex(f, 0))];
  d->stride_cols = p.strides[static_cast<size_t>(nn::SpatialIndex(f, 1))];
  d->dilation_rows = p.dilations[static_cast<size_t>(nn::SpatialIndex(f, 0))];
  d->dilation_cols = p.dilations[static_cast<size_t>(nn::SpatialIndex(f, 1))];
  if (p.padding == Padding::kExplicit) {
    const auto h = static_cast<size_t>(nn::SpatialIndex(f, 0)), w = static_cast<size_t>(nn::SpatialIndex(f, 1));
    d->rows.pad_before = p.explicit_paddings[2 * h];
    d->rows.pad_after = p.explicit_paddings[2 * h + 1];
    d->cols.pad_before = p.explicit_paddings[2 * w];
    d->cols.pad_after = p.explicit_paddings[2 * w + 1];
  }
  if (known(d->in_rows) && known(d->filter_rows)) {
    OPBRIDGE_RETURN_IF_ERROR(nn::WindowedOutputSize(d->in_rows, d->filter_rows, d->dilation_rows, d->stride_rows,
                                                    p.padding, &d->rows));
    d->rows_known = true;
  }
  if (known(d->in_cols) && known(d->filter_cols)) {
    OPBRIDGE_RETURN_IF_ERROR(nn::WindowedOutputSize(d->in_cols, d->filter_cols, d->dilation_cols, d->stride_cols,
                                                    p.padding, &d->cols));
    d->cols_known = true;
  }
  // TFLite holds int32 dims: a window arithmetic result beyond them cannot be an output.
  OPBRIDGE_REQUIRE(!d->rows_known || d->rows.out <= INT32_MAX, "the output would have ", d->rows.out, " rows");
  OPBRIDGE_REQUIRE(!d->cols_known || d->cols.out <= INT32_MAX, "the output would have ", d->cols.out, " cols");
  return Status::Ok();
}

Shape OutputShape(const Conv2DParams& p, const Conv2DDims& d) {
  const int64_t rows = d.rows_known ? d.rows.out : kUnknownDim;
  const int64_t cols = d.cols_known ? d.cols.out : kUnknownDim;
  if (p.data_format == DataFormat::kChannelsLast) return Shape({d.batch, rows, cols, d.out_depth});
  return Shape({d.batch, d.out_depth, rows, cols});
}

Status Conv2DShape(ShapeContext& ctx, const Conv2DParams& p) {
  Conv2DDims d;
  OPBRIDGE_RETURN_IF_ERROR(
      ComputeConv2DDims(p, ctx.input(0), ctx.input(1), ctx.input_name(0), ctx.input_name(1), &d));
  ctx.set_output(0, OutputShape(p, d));
  return Status::Ok();
}

template <typename T>
Status Convolve(KernelContext& ctx, const Conv2DDims& d) {
  using Acc = nn::Accumulator<T>;
  const T* in = ctx.input(0).data<T>();
  const int64_t height = d.in_rows, width = d.in_cols, depth = d.in_depth;
  const int64_t groups = d.in_depth / d.patch_depth, group_depth = d.patch_depth;
  const int64_t k_rows = d.filter_rows, k_cols = d.filter_cols;
  const int64_t out_rows = d.rows.out, out_cols = d.cols.out;
  const int64_t reduction = k_rows * k_cols * group_depth;
  const nn::FilterMatrix<T> rhs(ctx.input(1).data<T>(), reduction * d.out_depth);

  // Pixel p's window for group g: `visit(src)` for each tap (i, j) in order,
  // src the group's channels of the pixel it reads, or null in the padding.
  auto for_each_tap = [&](int64_t pixel, int64_t g, auto&& visit) {
    const int64_t n = pixel / (out_rows * out_cols);
    const int64_t r = pixel / out_cols % out_rows, c = pixel % out_cols;
    const T* image = in + n * height * width * depth + g * group_depth;
    for (int64_t i = 0; i < k_rows; ++i) {
      const int64_t y = r * d.stride_rows + i * d.dilation_rows - d.rows.pad_before;
      const bool row_inside = y >= 0 && y < height;
      for (int64_t j = 0; j < k_cols; ++j) {
        const int64_t x = c * d.stride_cols + j * d.dilation_cols - d.cols.pad_before;
        visit(row_inside && x >= 0 && x < width ? image + (y * width + x) * depth : nullptr);
      }
    }
  };
  // A patch row: the taps' channels, or zeros in the padding (multiplied
  // like any value, as in TF).
  auto gather = [&](int64_t pixel, int64_t g, Acc* row) {
    for_each_tap(pixel, g, [&](const T* src) {
      if (src != nullptr) {
        nn::CopyAs(src, group_depth, row);
      } else {
        std::fill(row, row + group_depth, Acc(0));
      }
      row += group_depth;
    });
  };
  // A 1x1 window read in order (stride 1, no padding, one group): the input
  // already is the patch matrix.
  const Acc* direct = nullptr;
  if constexpr (std::is_same_v<T, Acc>) {
    if (groups == 1 && k_rows == 1 && k_cols == 1 && d.stride_rows == 1 && d.stride_cols == 1 &&
        d.rows.pad_before == 0 && d.cols.pad_before == 0 && out_rows == height && out_cols == width) {
      direct = in;
    }
  }
  T* const out = ctx.output(0).data<T>();
  const int64_t pixels = d.batch * out_rows * out_cols, group_out = d.out_depth / groups;
  if constexpr (std::is_same_v<T, float>) {
    // The same patch as pointers, one per tap: float32's AVX2/AVX-512
    // product reads it in place.
    const nn::TapSources taps{k_rows * k_cols, [&](int64_t pixel, int64_t g, const float* zeros, const float** ptrs) {
      for_each_tap(pixel, g, [&](const float* src) { *ptrs++ = src != nullptr ? src : zeros; });
    }};
    nn::PatchGemm<T>(ctx, pixels, groups, reduction, group_out, rhs.data(), out, direct, gather, taps);
  } else {
    nn::PatchGemm<T>(ctx, pixels, groups, reduction, group_out, rhs.data(), out, direct, gather);
  }
  return Status::Ok();
}

Status Conv2DKernel(KernelContext& ctx, const Conv2DParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& filter = ctx.input(1);
  const Tensor& output = ctx.output(0);
  Conv2DDims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeConv2DDims(p, input.shape(), filter.shape(), input.name(), filter.name(), &d));
  // TF's order: an empty output is done, an empty input gives zeros (the
  // window only saw padding), and only then does the CPU launcher check.
  if (output.num_elements() == 0) return Status::Ok();
  if (input.num_elements() == 0) {
    std::memset(output.data<char>(), 0, static_cast<size_t>(output.num_elements() * DTypeSize(output.dtype())));
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(p.data_format == DataFormat::kChannelsLast,
                   "The Conv2D op currently only supports the NHWC tensor format on the CPU. The op was given "
                   "the format: NCHW");
  for (int64_t pad : p.explicit_paddings) {
    OPBRIDGE_REQUIRE(nn::BelowIntMax(pad), "filter too large (explicit padding ", pad, ")");
  }
  OPBRIDGE_REQUIRE(filter.num_elements() > 0, "filter must not have zero elements (i.e. all dimensions must be "
                   "non-zero) (input '", filter.name(), "' has shape ", filter.shape().ToString(), ")");
  const int64_t groups = d.in_depth / d.patch_depth;
  OPBRIDGE_REQUIRE(d.out_depth % groups == 0 && d.out_depth >= groups,
                   "output depth must be evenly divisible by number of groups: ", d.out_depth, " vs ", groups);
  return nn::DispatchConvTypes(input.dtype(), /*allow_int32=*/true,
                               [&](auto tag) { return Convolve<typename decltype(tag)::type>(ctx, d); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Conv2D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("2-D convolution of an NHWC batch with an HWIO filter, grouped when the input "
                              "has a multiple of the filter's depth (tf.nn.conv2d).")
                         .Input("input: T")
                         .Input("filter: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int32}")
                         .Params<Conv2DParams>()
                         .ShapeRule(Conv2DShape)
                         .Kernel(Conv2DKernel));

}  // namespace
}  // namespace opbridge
