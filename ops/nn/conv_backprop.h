// Shared by the gradient ops of the 2-D convolutions and poolings that a
// converted training step leaves custom (Conv2DBackpropFilter,
// DepthwiseConv2dNativeBackpropFilter/Input, MaxPoolGrad, AvgPoolGrad): the
// output shape read from a sizes input (filter_sizes, input_sizes,
// orig_input_shape), TF's ConvBackpropComputeDimensionsV2 checks with their
// texts, the float types TF's CPU kernels register, and the NCHW <-> NHWC
// copies for the layouts TF's x86 build runs through oneDNN.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "conv_geometry.h"
#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge::nn {

// The type the direct-loop kernels sum in: float for the 16-bit floats,
// double for float and double (a long reduction over batch and pixels stays
// far below TF's own rounding error, whatever order TF sums in).
template <typename T>
using WideAcc = std::conditional_t<std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16>, float,
                                   double>;

// TF's x86 build hands float32 and bfloat16 convolution gradients to oneDNN,
// which runs layouts and attrs TF's own CPU kernels refuse (NCHW, dilations,
// unequal strides).
inline bool OneDnnType(DType dtype) { return dtype == DType::kFloat32 || dtype == DType::kBFloat16; }

// A shape from a 1-D int32 sizes input (TF: "Dimension i of <name> must be >= 0").
inline Status SizesShape(const ConstTensor& sizes, const char* name, const char* label, Shape* shape) {
  OPBRIDGE_REQUIRE(sizes.rank() == 1, label, ": ", name, " input must be 1-dim, not ", sizes.rank());
  const int32_t* v = sizes.data<int32_t>();
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < sizes.num_elements(); ++i) {
    OPBRIDGE_REQUIRE(v[i] >= 0, "Dimension ", i, " of ", name, " must be >= 0");
    dims.push_back(v[i]);
  }
  *shape = Shape(dims);
  return Status::Ok();
}

// The output whose shape is a sizes input's values: sized at prepare when the
// sizes are a constant, allocated by the kernel otherwise.
inline Status SizedOutputShape(ShapeContext& ctx, int sizes_input, const char* name, const char* label) {
  const ConstTensor* sizes = ctx.input_value(sizes_input);
  if (sizes == nullptr) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(SizesShape(*sizes, name, label, &shape));
  ctx.set_output(0, shape);
  return Status::Ok();
}

// The kernel's side of SizedOutputShape: allocates output 0 as `shape` when
// prepare could not, else checks that prepare sized it so.
inline Status AllocateSized(KernelContext& ctx, const Shape& shape) {
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, shape));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == shape.dims(), "output '", ctx.output(0).name(),
                   "' was prepared as ", ctx.output(0).shape().ToString(), " but the sizes input gives ",
                   shape.ToString());
  return Status::Ok();
}

// The dims of a 2-D convolution gradient, channels last.
struct BackpropDims {
  int64_t batch = 0, in_rows = 0, in_cols = 0, in_depth = 0;
  int64_t filter_rows = 0, filter_cols = 0, filter_depth = 0, out_depth = 0;
  int64_t out_rows = 0, out_cols = 0;
  int64_t stride_rows = 1, stride_cols = 1, dilation_rows = 1, dilation_cols = 1;
  WindowDim rows, cols;  // padding before/after of each spatial dim
};

// TF's ConvBackpropComputeDimensionsV2 for 2 spatial dims: `input` and
// `out_backprop` in format `p.data_format`, `filter` [KH, KW, C/groups, F].
inline Status ConvBackpropDims(const char* label, const Conv2DWindowAttrs& p, const Shape& input,
                               const Shape& filter, const Shape& out_backprop, BackpropDims* d) {
  OPBRIDGE_REQUIRE(input.rank() == 4, label, ": input must be 4-dimensional");
  OPBRIDGE_REQUIRE(filter.rank() == 4, label, ": filter must be 4-dimensional");
  OPBRIDGE_REQUIRE(out_backprop.rank() == 4, label, ": out_backprop must be 4-dimensional");
  const DataFormat f = p.data_format;
  d->batch = input.dim(0);
  OPBRIDGE_REQUIRE(d->batch == out_backprop.dim(0), label,
                   ": input and out_backprop must have the same batch size. Input batch: ", d->batch,
                   ", outbackprop batch: ", out_backprop.dim(0), ", batch_dim: 0");
  d->in_rows = input.dim(SpatialIndex(f, 0));
  d->in_cols = input.dim(SpatialIndex(f, 1));
  d->in_depth = input.dim(ChannelIndex(f, 2));
  d->filter_rows = filter.dim(0);
  d->filter_cols = filter.dim(1);
  d->filter_depth = filter.dim(2);
  d->out_depth = filter.dim(3);
  OPBRIDGE_REQUIRE(d->filter_depth != 0 && d->in_depth % d->filter_depth == 0, label,
                   ": input depth must be evenly divisible by filter depth");
  OPBRIDGE_REQUIRE(out_backprop.dim(ChannelIndex(f, 2)) == d->out_depth, label,
                   ": filter and out_backprop must have the same out_depth");
  d->out_rows = out_backprop.dim(SpatialIndex(f, 0));
  d->out_cols = out_backprop.dim(SpatialIndex(f, 1));
  d->stride_rows = p.strides[static_cast<size_t>(SpatialIndex(f, 0))];
  d->stride_cols = p.strides[static_cast<size_t>(SpatialIndex(f, 1))];
  d->dilation_rows = p.dilations[static_cast<size_t>(SpatialIndex(f, 0))];
  d->dilation_cols = p.dilations[static_cast<size_t>(SpatialIndex(f, 1))];
  const auto h = static_cast<size_t>(SpatialIndex(f, 0)), w = static_cast<size_t>(SpatialIndex(f, 1));
  if (p.padding == Padding::kExplicit) {
    d->rows.pad_before = p.explicit_paddings[2 * h];
    d->rows.pad_after = p.explicit_paddings[2 * h + 1];
    d->cols.pad_before = p.explicit_paddings[2 * w];
    d->cols.pad_after = p.explicit_paddings[2 * w + 1];
  }
  const int64_t in[2] = {d->in_rows, d->in_cols}, k[2] = {d->filter_rows, d->filter_cols};
  const int64_t actual[2] = {d->out_rows, d->out_cols}, stride[2] = {d->stride_rows, d->stride_cols};
  const int64_t dilation[2] = {d->dilation_rows, d->dilation_cols};
  WindowDim* window[2] = {&d->rows, &d->cols};
  for (int i = 0; i < 2; ++i) {
    OPBRIDGE_RETURN_IF_ERROR(WindowedOutputSize(in[i], k[i], dilation[i], stride[i], p.padding, window[i]));
    OPBRIDGE_REQUIRE(window[i]->out == actual[i], label, ": Size of out_backprop doesn't match computed: actual = ",
                     actual[i], ", computed = ", window[i]->out, " spatial_dim: ", SpatialIndex(f, i),
                     " input: ", in[i], " filter: ", k[i], " output: ", actual[i], " stride: ", stride[i],
                     " dilation: ", dilation[i]);
  }
  return Status::Ok();
}

// The attrs of the depthwise gradients (DepthwiseConv2dNativeBackpropFilter
// and ...Input): Conv2D's but use_cudnn_on_gpu. TF's CPU kernels read no
// dilations (any value computes as 1, measured), and require equal row and
// column strides; oneDNN's types run unequal ones.
struct DepthwiseBackpropParams : Conv2DWindowAttrs {
  static void Declare(ParamBinder& b, DepthwiseBackpropParams& p) { DeclareWindow(b, p, /*with_cudnn=*/false); }

  // DepthwiseConv2dNativeBackprop*Op's constructor, but for the equal strides.
  Status Validate() const {
    OPBRIDGE_REQUIRE(strides.size() == 4, "Sliding window strides field must specify 4 dimensions");
    const auto c = static_cast<size_t>(ChannelIndex(data_format, 2));
    OPBRIDGE_REQUIRE(strides[0] == 1 && strides[c] == 1,
                     "Current implementation does not yet support strides in the batch and depth dimensions.");
    return CheckValidPadding(padding, explicit_paddings, 4, data_format);
  }

  Status CheckForType(DType dtype) const {
    const auto h = static_cast<size_t>(SpatialIndex(data_format, 0));
    const auto w = static_cast<size_t>(SpatialIndex(data_format, 1));
    OPBRIDGE_REQUIRE(OneDnnType(dtype) || strides[h] == strides[w],
                     "Current implementation only supports equal length strides in the row and column dimensions.");
    return Status::Ok();
  }
};

// TF's EXTRACT_AND_VERIFY_DIMENSIONS of the depthwise gradients: `input` and
// `out_backprop` in format `p.data_format`, `filter` [KH, KW, C, M].
inline Status DepthwiseBackpropDims(const char* label, const DepthwiseBackpropParams& p, const Shape& input,
                                    const Shape& filter, const Shape& out_backprop, BackpropDims* d) {
  OPBRIDGE_REQUIRE(input.rank() == 4, label, ": input must be 4-dimensional");
  OPBRIDGE_REQUIRE(filter.rank() == 4, label, ": filter must be 4-dimensional");
  OPBRIDGE_REQUIRE(out_backprop.rank() == 4, label, ": out_backprop must be 4-dimensional");
  const DataFormat f = p.data_format;
  d->batch = input.dim(0);
  OPBRIDGE_REQUIRE(d->batch == out_backprop.dim(0), label, ": input and out_backprop must have the same batch size");
  d->in_rows = input.dim(SpatialIndex(f, 0));
  OPBRIDGE_REQUIRE(BelowIntMax(d->in_rows), "Input rows too large");
  d->in_cols = input.dim(SpatialIndex(f, 1));
  OPBRIDGE_REQUIRE(BelowIntMax(d->in_cols), "Input cols too large");
  d->filter_rows = filter.dim(0);
  d->filter_cols = filter.dim(1);
  d->out_rows = out_backprop.dim(SpatialIndex(f, 0));
  OPBRIDGE_REQUIRE(BelowIntMax(d->out_rows), "Output rows too large");
  d->out_cols = out_backprop.dim(SpatialIndex(f, 1));
  OPBRIDGE_REQUIRE(BelowIntMax(d->out_cols), "Output cols too large");
  d->in_depth = input.dim(ChannelIndex(f, 2));
  OPBRIDGE_REQUIRE(d->in_depth == filter.dim(2), label, ": input and filter must have the same in_depth");
  d->filter_depth = filter.dim(3);  // the depth multiplier
  d->out_depth = out_backprop.dim(ChannelIndex(f, 2));
  OPBRIDGE_REQUIRE(BelowIntMax(d->out_depth), "Output depth too large");
  OPBRIDGE_REQUIRE(d->filter_depth * d->in_depth == d->out_depth, label,
                   ": depth_multiplier * in_depth not equal to out_depth");
  d->stride_rows = p.strides[static_cast<size_t>(SpatialIndex(f, 0))];
  d->stride_cols = p.strides[static_cast<size_t>(SpatialIndex(f, 1))];
  if (p.padding == Padding::kExplicit) {
    const auto h = static_cast<size_t>(SpatialIndex(f, 0)), w = static_cast<size_t>(SpatialIndex(f, 1));
    d->rows.pad_before = p.explicit_paddings[2 * h];
    d->rows.pad_after = p.explicit_paddings[2 * h + 1];
    d->cols.pad_before = p.explicit_paddings[2 * w];
    d->cols.pad_after = p.explicit_paddings[2 * w + 1];
  }
  OPBRIDGE_RETURN_IF_ERROR(WindowedOutputSize(d->in_rows, d->filter_rows, 1, d->stride_rows, p.padding, &d->rows));
  OPBRIDGE_RETURN_IF_ERROR(WindowedOutputSize(d->in_cols, d->filter_cols, 1, d->stride_cols, p.padding, &d->cols));
  OPBRIDGE_REQUIRE(d->out_rows == d->rows.out, label, ": Number of rows of out_backprop doesn't match computed: ",
                   "actual = ", d->out_rows, ", computed = ", d->rows.out);
  OPBRIDGE_REQUIRE(d->out_cols == d->cols.out, label, ": Number of cols of out_backprop doesn't match computed: ",
                   "actual = ", d->out_cols, ", computed = ", d->cols.out);
  return Status::Ok();
}

// TF's own depthwise gradient kernels are NHWC only; oneDNN's types run NCHW.
inline Status CheckDepthwiseFormat(DataFormat f, DType dtype) {
  OPBRIDGE_REQUIRE(f == DataFormat::kChannelsLast || OneDnnType(dtype),
                   "Depthwise convolution on CPU is only supported for NHWC format");
  return Status::Ok();
}

// [N, A, B, C] (channels last) <-> [N, C, A, B] (channels first).
template <typename T>
void ToChannelsLast(const T* src, int64_t n, int64_t c, int64_t a, int64_t b, T* dst) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t pos = 0; pos < a * b; ++pos) dst[(i * a * b + pos) * c + ch] = src[(i * c + ch) * a * b + pos];
}
template <typename T>
void ToChannelsFirst(const T* src, int64_t n, int64_t a, int64_t b, int64_t c, T* dst) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t pos = 0; pos < a * b; ++pos) dst[(i * c + ch) * a * b + pos] = src[(i * a * b + pos) * c + ch];
}

// A tensor in channels-last order: the tensor's own data when it is, a copy otherwise.
template <typename T>
class ChannelsLast {
 public:
  ChannelsLast(const T* data, const Shape& shape, DataFormat f) {
    if (f == DataFormat::kChannelsLast) {
      data_ = data;
      return;
    }
    copy_.resize(static_cast<size_t>(shape.num_elements()));
    ToChannelsLast(data, shape.dim(0), shape.dim(1), shape.dim(2), shape.dim(3), copy_.data());
    data_ = copy_.data();
  }
  const T* data() const { return data_; }

 private:
  std::vector<T> copy_;
  const T* data_ = nullptr;
};

}  // namespace opbridge::nn
