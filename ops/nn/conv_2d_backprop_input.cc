// Conv2DBackpropInput: the gradient of Conv2D with respect to its input, which
// is what tf.nn.conv2d_transpose and Keras Conv2DTranspose compute. The
// converter maps float32 to the builtin TRANSPOSE_CONV (even with unknown
// channels or a runtime filter) but leaves it CUSTOM "Conv2DBackpropInput"
// with EXPLICIT padding or dilations, and for float64, half, bfloat16 and
// int32; options {T, strides, use_cudnn_on_gpu, padding, explicit_paddings,
// data_format, dilations} (docs/design.md, "Converter facts").
//
//   input_sizes (int32 [4] = [N, H, W, C], or [2] = [H, W]), filter [KH, KW, C, F],
//   out_backprop [N, OH, OW, F] -> output [N, H, W, C]
//   output[n, y, x, c] = sum over (i, j, f) with y = r * sr + i - pad_top, x = q * sc + j - pad_left
//       of out_backprop[n, r, q, f] * filter[i, j, c, f]
// (OH, OW must be the forward convolution's output size for H, W).
//
// TF's CPU kernel for every type but oneDNN's float32/bfloat16 is
// Conv2DCustomBackpropInputOp: its checks, their order and texts are
// followed (NHWC only, no groups on CPU; input_sizes, ranks, batch, depths
// and the forward output size verified). Dilations > 1, which that kernel
// refuses, run for float32 and bfloat16 as oneDNN runs them in TF's x86 build. Compute: for each
// output pixel its patch is the out_backprop pixels whose windows cover it,
// [KH*KW*F] values (zeros where no window tap lands), times the filter
// rearranged to [KH*KW*F, C], with the im2col + GEMM of conv_gemm.h (fixed
// tiles: the same bits for any thread count). At stride > 1 the output
// pixels go by phase (y mod stride, x mod stride): a phase's patches hold
// only the taps that can land on it, a quarter of the work at stride 2.
// half and bfloat16 sum in float and round once (TF's kernel sums them in
// their own type), int32 wraps.
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
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

constexpr const char* kOp = "Conv2DCustomBackpropInput";

struct BackpropInputParams : nn::Conv2DWindowAttrs {
  static void Declare(ParamBinder& b, BackpropInputParams& p) { DeclareWindow(b, p, /*with_cudnn=*/true); }

  // Conv2DCustomBackpropInputOp's constructor.
  Status Validate() const {
    OPBRIDGE_REQUIRE(data_format == DataFormat::kChannelsLast, "Conv2DCustomBackpropInputOp only supports NHWC.");
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window strides field must specify 4 dimensions (attr "
                     "'strides' has ", strides.size(), ")");
    OPBRIDGE_REQUIRE(strides[0] == 1 && strides[3] == 1,
                     "Current implementation does not yet support strides in the batch and depth dimensions.");
    OPBRIDGE_REQUIRE(strides[1] > 0 && strides[2] > 0, "Row and column strides should be larger than 0.");
    OPBRIDGE_REQUIRE(dilations.size() == 4, "Sliding window dilations field must specify 4 dimensions (attr "
                     "'dilations' has ", dilations.size(), ")");
    OPBRIDGE_REQUIRE(dilations[0] == 1 && dilations[3] == 1,
                     "Current implementation does not yet support dilations in the batch and depth dimensions.");
    return nn::CheckValidPadding(padding, explicit_paddings, 4, data_format);
  }
};

// TF's own CPU kernel refuses dilations > 1; TF's x86 build hands float32
// and bfloat16 to oneDNN instead, which computes them (the converter leaves
// a dilated float32 conv2d_transpose custom): those types run, the others
// fail with TF's message.
Status CheckDilations(const BackpropInputParams& p, DType dtype) {
  const bool onednn_type = dtype == DType::kFloat32 || dtype == DType::kBFloat16;
  OPBRIDGE_REQUIRE(onednn_type || (p.dilations[1] == 1 && p.dilations[2] == 1),
                   "Current CPU implementations do not yet support dilation rates larger than 1.");
  OPBRIDGE_REQUIRE(p.dilations[1] > 0 && p.dilations[2] > 0, "Dilated rates should be larger than 0.");
  return Status::Ok();
}

struct BackpropDims {
  int64_t batch = 0, in_rows = 0, in_cols = 0, in_depth = 0;  // the output's (the forward input's) shape
  int64_t filter_rows = 0, filter_cols = 0, out_depth = 0;
  int64_t out_rows = 0, out_cols = 0;  // out_backprop's spatial size
  int64_t stride_rows = 1, stride_cols = 1, dilation_rows = 1, dilation_cols = 1;
  nn::WindowDim rows, cols;
};

// TF's Conv2DBackpropComputeInputShape: the output shape from input_sizes.
Status InputShape(const int32_t* sizes, int64_t count, const Shape& filter, const Shape& out_backprop,
                  Shape* shape) {
  if (count == 4) {
    std::vector<int64_t> dims(sizes, sizes + 4);
    for (int64_t d : dims) OPBRIDGE_REQUIRE(d >= 0, "Dimension ", d, " must be >= 0");
    *shape = Shape(dims);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(count == 2, "Conv2DBackpropInput requires input_sizes to contain 4 values or 2 values, but got: ",
                   count);
  for (int i = 0; i < 2; ++i) OPBRIDGE_REQUIRE(sizes[i] >= 0, "Dimension ", sizes[i], " must be >= 0");
  *shape = Shape({out_backprop.dim(0), sizes[0], sizes[1], filter.dim(2)});
  return Status::Ok();
}

// TF's ConvBackpropComputeDimensionsV2 (2 spatial dims, NHWC, dilation 1)
// and the kernel's own checks after it; all shapes known.
Status ComputeDims(const BackpropInputParams& p, const Shape& input, const Shape& filter, const Shape& out_backprop,
                   BackpropDims* d) {
  OPBRIDGE_REQUIRE(filter.rank() == 4, kOp, ": filter must be 4-dimensional (filter shape ", filter.ToString(), ")");
  d->batch = input.dim(0);
  OPBRIDGE_REQUIRE(d->batch == out_backprop.dim(0), kOp,
                   ": input and out_backprop must have the same batch size. Input batch: ", d->batch,
                   ", outbackprop batch: ", out_backprop.dim(0), ", batch_dim: 0");
  d->in_rows = input.dim(1);
  d->in_cols = input.dim(2);
  d->in_depth = input.dim(3);
  d->filter_rows = filter.dim(0);
  d->filter_cols = filter.dim(1);
  d->out_depth = filter.dim(3);
  OPBRIDGE_REQUIRE(filter.dim(2) != 0 && d->in_depth % filter.dim(2) == 0, kOp,
                   ": input depth must be evenly divisible by filter depth (", d->in_depth, " vs ", filter.dim(2),
                   ")");
  OPBRIDGE_REQUIRE(out_backprop.dim(3) == d->out_depth, kOp,
                   ": filter and out_backprop must have the same out_depth (", d->out_depth, " vs ",
                   out_backprop.dim(3), ")");
  d->out_rows = out_backprop.dim(1);
  d->out_cols = out_backprop.dim(2);
  d->stride_rows = p.strides[1];
  d->stride_cols = p.strides[2];
  d->dilation_rows = p.dilations[1];
  d->dilation_cols = p.dilations[2];
  if (p.padding == Padding::kExplicit) {
    d->rows.pad_before = p.explicit_paddings[2];
    d->rows.pad_after = p.explicit_paddings[3];
    d->cols.pad_before = p.explicit_paddings[4];
    d->cols.pad_after = p.explicit_paddings[5];
  }
  const int64_t in[2] = {d->in_rows, d->in_cols}, k[2] = {d->filter_rows, d->filter_cols};
  const int64_t actual[2] = {d->out_rows, d->out_cols};
  nn::WindowDim* window[2] = {&d->rows, &d->cols};
  for (int i = 0; i < 2; ++i) {
    const int64_t stride = p.strides[static_cast<size_t>(1 + i)];
    const int64_t dilation = p.dilations[static_cast<size_t>(1 + i)];
    OPBRIDGE_RETURN_IF_ERROR(nn::WindowedOutputSize(in[i], k[i], dilation, stride, p.padding, window[i]));
    OPBRIDGE_REQUIRE(window[i]->out == actual[i], kOp, ": Size of out_backprop doesn't match computed: actual = ",
                     actual[i], ", computed = ", window[i]->out, " spatial_dim: ", 1 + i, " input: ", in[i],
                     " filter: ", k[i], " output: ", actual[i], " stride: ", stride, " dilation: ", dilation);
  }
  OPBRIDGE_REQUIRE(d->in_depth == filter.dim(2),
                   "Gradients for grouped convolutions are not supported on CPU. Please file a feature request if "
                   "you run into this issue. Computed input depth ", d->in_depth,
                   " doesn't match filter input depth ", filter.dim(2));
  return Status::Ok();
}

// The checks on input_sizes' own shape and on out_backprop's rank, in TF's order.
Status CheckInputs(const Shape& sizes, const Shape& filter, const Shape& out_backprop) {
  OPBRIDGE_REQUIRE(!out_backprop.rank_known() || out_backprop.rank() == 4,
                   "input_sizes must be 4-dimensional, got: ", out_backprop.rank(),
                   " (TF's text; it is out_backprop's rank)");
  OPBRIDGE_REQUIRE(!sizes.rank_known() || sizes.rank() == 1,
                   "Conv2DBackpropInput: input_sizes input must be 1-dim, not ", sizes.rank());
  OPBRIDGE_REQUIRE(!filter.rank_known() || filter.rank() == 4, kOp, ": filter must be 4-dimensional (filter shape ",
                   filter.ToString(), ")");
  return Status::Ok();
}

Status BackpropInputShape(ShapeContext& ctx, const BackpropInputParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckDilations(p, ctx.input_dtype(2)));
  OPBRIDGE_RETURN_IF_ERROR(CheckInputs(ctx.input(0), ctx.input(1), ctx.input(2)));
  const ConstTensor* sizes = ctx.input_value(0);
  if (sizes == nullptr || !ctx.input(1).fully_known() || !ctx.input(2).fully_known()) {
    // The output's shape is input_sizes' values: known when they are a constant.
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  Shape input;
  OPBRIDGE_RETURN_IF_ERROR(InputShape(sizes->data<int32_t>(), sizes->num_elements(), ctx.input(1), ctx.input(2),
                                      &input));
  BackpropDims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, input, ctx.input(1), ctx.input(2), &d));
  ctx.set_output(0, input);
  return Status::Ok();
}

template <typename T>
bool FiniteFilter(const T* filter, int64_t n) {
  if constexpr (std::is_integral_v<T>) {
    return true;
  } else {
    for (int64_t k = 0; k < n; ++k) {
      if (!Eigen::numext::isfinite(filter[k])) return false;
    }
    return true;
  }
}

// The product at stride 1: every tap lands on every output pixel (zeros
// only at the borders), so each pixel's patch is the [KH*KW*F] out_backprop
// values under its window, in (i, j, f) order. Not PhaseProduct's single
// phase: that one cuts tiles at output rows, which changes Eigen's blocking
// (and so the baseline build's bits) and makes smaller GEMMs.
template <typename T>
void StrideOneProduct(KernelContext& ctx, const BackpropDims& d, const nn::Accumulator<T>* rhs, const T* dy, T* out) {
  using Acc = nn::Accumulator<T>;
  const int64_t kr = d.filter_rows, kc = d.filter_cols, oh = d.out_rows, ow = d.out_cols, f = d.out_depth;
  const int64_t height = d.in_rows, width = d.in_cols;
  auto gather = [&](int64_t pixel, int64_t, Acc* row) {
    const int64_t n = pixel / (height * width), y = pixel / width % height, x = pixel % width;
    const T* image = dy + n * oh * ow * f;
    for (int64_t i = 0; i < kr; ++i) {
      const int64_t r = y + d.rows.pad_before - i * d.dilation_rows;
      for (int64_t j = 0; j < kc; ++j, row += f) {
        const int64_t q = x + d.cols.pad_before - j * d.dilation_cols;
        if (r >= 0 && r < oh && q >= 0 && q < ow) {
          nn::CopyAs(image + (r * ow + q) * f, f, row);
        } else {
          std::fill(row, row + f, Acc(0));
        }
      }
    }
  };
  nn::PatchGemm<T>(ctx, d.batch * height * width, 1, kr * kc * f, d.in_depth, rhs, out, nullptr, gather);
}

// The taps of one filter axis that land on output positions of phase
// `phase` ((y + pad) mod stride): i with (phase - i * dilation) a multiple
// of the stride, in increasing order.
std::vector<int64_t> PhaseTaps(int64_t phase, int64_t taps, int64_t stride, int64_t dilation) {
  std::vector<int64_t> landing;
  for (int64_t i = 0; i < taps; ++i) {
    if (((phase - i * dilation) % stride + stride) % stride == 0) landing.push_back(i);
  }
  return landing;
}

// The product for the output pixels of one phase at stride > 1: those
// (y, x) with y = y0 mod stride_rows and x = x0 mod stride_cols.
// Only the taps of that phase can land on those pixels (the others would
// need out_backprop at a fractional position), so their patch holds just
// those taps' values, in the same (i, j, f) order with the other taps'
// zeros left out: a sum without terms that are exactly +0 (a sum that
// starts at +0 never becomes -0, so adding +0 changes no bit), and about
// 1 / (stride_rows * stride_cols) of the stride-1 product's work.
// A phase's pixels of one output row are stride_cols pixels apart: one
// PatchGemm line each.
template <typename T>
void PhaseProduct(KernelContext& ctx, const BackpropDims& d, const nn::Accumulator<T>* rhs, const T* dy, T* out,
                  int64_t y0, int64_t x0) {
  using Acc = nn::Accumulator<T>;
  const int64_t oh = d.out_rows, ow = d.out_cols, f = d.out_depth, c = d.in_depth;
  const int64_t height = d.in_rows, width = d.in_cols;
  // How many output rows and columns the phase has (y0 < height, x0 < width).
  const int64_t rows = (height - y0 + d.stride_rows - 1) / d.stride_rows;
  const int64_t cols = (width - x0 + d.stride_cols - 1) / d.stride_cols;
  const std::vector<int64_t> taps_r =
      PhaseTaps((y0 + d.rows.pad_before) % d.stride_rows, d.filter_rows, d.stride_rows, d.dilation_rows);
  const std::vector<int64_t> taps_c =
      PhaseTaps((x0 + d.cols.pad_before) % d.stride_cols, d.filter_cols, d.stride_cols, d.dilation_cols);
  // The rearranged filter's rows of those taps.
  std::vector<Acc> phase_rhs;
  phase_rhs.reserve(taps_r.size() * taps_c.size() * static_cast<size_t>(f * c));
  for (int64_t i : taps_r) {
    for (int64_t j : taps_c) {
      const Acc* tap = rhs + (i * d.filter_cols + j) * f * c;
      phase_rhs.insert(phase_rhs.end(), tap, tap + f * c);
    }
  }
  const int64_t reduction = static_cast<int64_t>(taps_r.size() * taps_c.size()) * f;
  auto gather = [&](int64_t pixel, int64_t, Acc* row) {
    const int64_t line = pixel / cols, n = line / rows;
    const int64_t y = y0 + line % rows * d.stride_rows, x = x0 + pixel % cols * d.stride_cols;
    const T* image = dy + n * oh * ow * f;
    for (int64_t i : taps_r) {
      const int64_t r = (y + d.rows.pad_before - i * d.dilation_rows) / d.stride_rows;  // exact by the phase
      const bool row_hit = y + d.rows.pad_before - i * d.dilation_rows >= 0 && r < oh;
      for (int64_t j : taps_c) {
        const int64_t qs = x + d.cols.pad_before - j * d.dilation_cols, q = qs / d.stride_cols;
        if (row_hit && qs >= 0 && q < ow) {
          nn::CopyAs(image + (r * ow + q) * f, f, row);
        } else {
          std::fill(row, row + f, Acc(0));
        }
        row += f;
      }
    }
  };
  auto line_start = [&](int64_t line) {
    const int64_t n = line / rows, y = y0 + line % rows * d.stride_rows;
    return ((n * height + y) * width + x0) * c;
  };
  nn::PatchGemm<T>(ctx, d.batch * rows * cols, 1, reduction, c, phase_rhs.data(), out, nullptr, gather,
                   nn::OutputLines{cols, d.stride_cols * c}, line_start);
}

template <typename T>
Status Backprop(KernelContext& ctx, const BackpropDims& d, const Tensor& output) {
  using Acc = nn::Accumulator<T>;
  const T* dy = ctx.input(2).data<T>();
  const T* filter = ctx.input(1).data<T>();
  const int64_t in_depth = d.in_depth, out_depth = d.out_depth;
  const int64_t kr = d.filter_rows, kc = d.filter_cols, oh = d.out_rows, ow = d.out_cols;
  const int64_t height = d.in_rows, width = d.in_cols;
  const int64_t reduction = kr * kc * out_depth;
  // The filter as [KH*KW*F, C]: row (i, j, f) holds filter[i, j, :, f].
  std::vector<T> rearranged(static_cast<size_t>(reduction * in_depth));
  for (int64_t tap = 0; tap < kr * kc; ++tap) {
    for (int64_t c = 0; c < in_depth; ++c) {
      for (int64_t f = 0; f < out_depth; ++f) {
        rearranged[static_cast<size_t>((tap * out_depth + f) * in_depth + c)] =
            filter[(tap * in_depth + c) * out_depth + f];
      }
    }
  }
  const nn::FilterMatrix<T> rhs(rearranged.data(), reduction * in_depth);
  if (FiniteFilter(filter, reduction * in_depth)) {
    if (d.stride_rows == 1 && d.stride_cols == 1) {
      StrideOneProduct<T>(ctx, d, rhs.data(), dy, output.data<T>());
    } else {
      // Each phase starts on one of the first stride_rows x stride_cols output pixels.
      for (int64_t y0 = 0; y0 < std::min(d.stride_rows, height); ++y0) {
        for (int64_t x0 = 0; x0 < std::min(d.stride_cols, width); ++x0) {
          PhaseProduct<T>(ctx, d, rhs.data(), dy, output.data<T>(), y0, x0);
        }
      }
    }
    return Status::Ok();
  }
  // An infinite or NaN weight: the zeros the patches hold where no window
  // lands would multiply it into NaN, but TF's kernel (a GEMM of the real
  // out_backprop pixels, then col2im) never forms those products. Sum only
  // the landing taps, pixel by pixel.
  T* out = output.data<T>();
  const int64_t cost = nn::ItemCost(
      static_cast<double>(width) * static_cast<double>(reduction) * static_cast<double>(in_depth), d.batch * height);
  ctx.ParallelFor(d.batch * height, cost, [&](int64_t begin, int64_t end) {
    std::vector<Acc> acc(static_cast<size_t>(in_depth));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t n = item / height, y = item % height;
      const T* image = dy + n * oh * ow * out_depth;
      for (int64_t x = 0; x < width; ++x) {
        std::fill(acc.begin(), acc.end(), Acc(0));
        for (int64_t i = 0; i < kr; ++i) {
          const int64_t rs = y + d.rows.pad_before - i * d.dilation_rows, r = rs / d.stride_rows;
          if (rs < 0 || rs % d.stride_rows != 0 || r >= oh) continue;
          for (int64_t j = 0; j < kc; ++j) {
            const int64_t qs = x + d.cols.pad_before - j * d.dilation_cols, q = qs / d.stride_cols;
            if (qs < 0 || qs % d.stride_cols != 0 || q >= ow) continue;
            const T* g = image + (r * ow + q) * out_depth;
            const Acc* w = rhs.data() + (i * kc + j) * out_depth * in_depth;
            for (int64_t f = 0; f < out_depth; ++f) {
              const Acc gf = static_cast<Acc>(g[f]);
              for (int64_t c = 0; c < in_depth; ++c) acc[static_cast<size_t>(c)] += gf * w[f * in_depth + c];
            }
          }
        }
        T* dst = out + (item * width + x) * in_depth;
        for (int64_t c = 0; c < in_depth; ++c) dst[c] = static_cast<T>(acc[static_cast<size_t>(c)]);
      }
    }
  });
  return Status::Ok();
}

Status BackpropInputKernel(KernelContext& ctx, const BackpropInputParams& p) {
  const ConstTensor& sizes = ctx.input(0);
  const ConstTensor& filter = ctx.input(1);
  const ConstTensor& dy = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(CheckDilations(p, dy.dtype()));
  OPBRIDGE_RETURN_IF_ERROR(CheckInputs(sizes.shape(), filter.shape(), dy.shape()));
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(
      InputShape(sizes.data<int32_t>(), sizes.num_elements(), filter.shape(), dy.shape(), &shape));
  BackpropDims d;
  OPBRIDGE_RETURN_IF_ERROR(ComputeDims(p, shape, filter.shape(), dy.shape(), &d));
  // The output was sized at prepare when input_sizes is a constant; otherwise it is allocated now.
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, shape));
  const Tensor& output = ctx.output(0);
  OPBRIDGE_REQUIRE(output.shape().dims() == shape.dims(), "output '", output.name(), "' was prepared as ",
                   output.shape().ToString(), " but input_sizes gives ", shape.ToString());
  if (output.num_elements() == 0) return Status::Ok();
  if (dy.num_elements() == 0) {  // no window reached the output: zeros, as TF
    std::memset(output.data<char>(), 0, static_cast<size_t>(output.num_elements() * DTypeSize(output.dtype())));
    return Status::Ok();
  }
  return nn::DispatchConvTypes(dy.dtype(), /*allow_int32=*/true,
                               [&](auto tag) { return Backprop<typename decltype(tag)::type>(ctx, d, output); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Conv2DBackpropInput")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Conv2D with respect to its input: the transposed convolution of "
                              "out_backprop with the filter (tf.nn.conv2d_transpose).")
                         .Input("input_sizes: int32")
                         .Input("filter: T")
                         .Input("out_backprop: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int32}")
                         .Params<BackpropInputParams>()
                         .ShapeRule(BackpropInputShape)
                         .Kernel(BackpropInputKernel));

}  // namespace
}  // namespace opbridge
