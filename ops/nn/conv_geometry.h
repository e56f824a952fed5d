// Shared by the convolution ops (ops/nn/*.cc): the attrs TF's convolution
// kernels read (padding with explicit_paddings, data_format) and TF's window
// arithmetic (GetWindowedOutputSizeVerbose, CheckValidPadding), with TF's
// error texts, so every convolution sizes its output and pads as TF does.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "opbridge/op.h"

namespace opbridge::nn {

// `padding: {'SAME', 'VALID', 'EXPLICIT'}`.
enum class Padding { kSame, kValid, kExplicit };
// `data_format: {'NHWC', 'NCHW'}` (NDHWC / NCDHW for 3-D ops): channels last or first.
enum class DataFormat { kChannelsLast, kChannelsFirst };

// The window attrs of TF's 2-D convolutions, declared once: Conv2D and
// Conv2DBackpropInput declare all of them, DepthwiseConv2dNative all but
// use_cudnn_on_gpu. Each op derives its params from this and adds its
// constructor's checks as Validate().
struct Conv2DWindowAttrs {
  std::vector<int64_t> strides;
  bool use_cudnn_on_gpu = true;  // GPU only; a field to keep TF's attr order
  Padding padding = Padding::kValid;
  std::vector<int64_t> explicit_paddings;
  DataFormat data_format = DataFormat::kChannelsLast;
  std::vector<int64_t> dilations;

  static void DeclareWindow(ParamBinder& b, Conv2DWindowAttrs& p, bool with_cudnn) {
    b.Attr("strides: list(int)", &p.strides);
    if (with_cudnn) b.Attr("use_cudnn_on_gpu: bool = true", &p.use_cudnn_on_gpu);
    b.Enum("padding: {'SAME', 'VALID', 'EXPLICIT'}", &p.padding,
           {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}, {"EXPLICIT", Padding::kExplicit}});
    b.Attr("explicit_paddings: list(int) = []", &p.explicit_paddings);
    b.Enum("data_format: {'NHWC', 'NCHW'} = 'NHWC'", &p.data_format,
           {{"NHWC", DataFormat::kChannelsLast}, {"NCHW", DataFormat::kChannelsFirst}});
    b.Attr("dilations: list(int) = [1, 1, 1, 1]", &p.dilations);
  }
};

inline const char* FormatName(DataFormat f, int spatial_dims) {
  if (spatial_dims == 3) return f == DataFormat::kChannelsLast ? "NDHWC" : "NCDHW";
  return f == DataFormat::kChannelsLast ? "NHWC" : "NCHW";
}

// Index of the batch, channel and i-th spatial dim in a tensor (or a per-dim
// attr such as strides) of rank spatial_dims + 2 in format `f`.
inline int BatchIndex(DataFormat) { return 0; }
inline int ChannelIndex(DataFormat f, int spatial_dims) {
  return f == DataFormat::kChannelsLast ? spatial_dims + 1 : 1;
}
inline int SpatialIndex(DataFormat f, int i) { return f == DataFormat::kChannelsLast ? 1 + i : 2 + i; }

// TF's CheckValidPadding: explicit_paddings holds a (before, after) pair per
// dim of the input, non-negative, zero on the batch and channel dims, and
// is empty unless padding is EXPLICIT.
inline Status CheckValidPadding(Padding padding, const std::vector<int64_t>& explicit_paddings, int num_dims,
                                DataFormat f) {
  if (padding == Padding::kExplicit) {
    OPBRIDGE_REQUIRE(explicit_paddings.size() == static_cast<size_t>(2 * num_dims),
                     "explicit_paddings attribute must contain ", 2 * num_dims, " values, but got: ",
                     explicit_paddings.size());
    for (int64_t v : explicit_paddings) {
      OPBRIDGE_REQUIRE(v >= 0, "All elements of explicit_paddings must be nonnegative (got ", v, ")");
    }
    const auto b = static_cast<size_t>(BatchIndex(f)), c = static_cast<size_t>(ChannelIndex(f, num_dims - 2));
    OPBRIDGE_REQUIRE(explicit_paddings[2 * b] == 0 && explicit_paddings[2 * b + 1] == 0 &&
                         explicit_paddings[2 * c] == 0 && explicit_paddings[2 * c + 1] == 0,
                     "Nonzero explicit padding in the batch or depth dimensions is not supported");
  } else {
    OPBRIDGE_REQUIRE(explicit_paddings.empty(),
                     "explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT");
  }
  return Status::Ok();
}

// One spatial dim of a convolution window: output size and the padding
// before and after it.
struct WindowDim {
  int64_t out = 0;
  int64_t pad_before = 0;
  int64_t pad_after = 0;
};

// TF's GetWindowedOutputSizeVerbose. For EXPLICIT, `dim` carries the pads
// on entry. TF computes in int64 without overflow checks; sizes that would
// overflow int64 here are refused instead (TF's answer there is garbage).
inline Status WindowedOutputSize(int64_t in, int64_t filter, int64_t dilation, int64_t stride, Padding padding,
                                 WindowDim* dim) {
  OPBRIDGE_REQUIRE(stride > 0, "Stride must be > 0, but got ", stride);
  OPBRIDGE_REQUIRE(dilation >= 1, "Dilation rate must be >= 1, but got ", dilation);
  int64_t effective = 0;
  OPBRIDGE_REQUIRE(!__builtin_mul_overflow(filter - 1, dilation, &effective) &&
                       !__builtin_add_overflow(effective, 1, &effective),
                   "the dilated filter size overflows (filter size ", filter, ", dilation ", dilation, ")");
  int64_t span = in;  // the padded input's size
  switch (padding) {
    case Padding::kValid:
      dim->pad_before = dim->pad_after = 0;
      break;
    case Padding::kExplicit:
      OPBRIDGE_REQUIRE(!__builtin_add_overflow(span, dim->pad_before, &span) &&
                           !__builtin_add_overflow(span, dim->pad_after, &span),
                       "explicit padding ", dim->pad_before, " + ", dim->pad_after, " overflows");
      break;
    case Padding::kSame:
      break;
  }
  if (padding == Padding::kSame) {
    dim->out = in / stride + (in % stride != 0 ? 1 : 0);  // ceil(in / stride) without overflow
    // (out - 1) * stride + effective - in, which fits: (out - 1) * stride < in.
    int64_t needed = (dim->out - 1) * stride - in;
    OPBRIDGE_REQUIRE(!__builtin_add_overflow(needed, effective, &needed), "the padded window overflows");
    needed = std::max<int64_t>(0, needed);
    dim->pad_before = needed / 2;  // odd totals pad more after, as TF does
    dim->pad_after = needed - dim->pad_before;
  } else {
    // (span - effective + stride) / stride, rounding toward zero as C++ (and TF) does.
    int64_t num = 0;
    OPBRIDGE_REQUIRE(!__builtin_sub_overflow(span, effective, &num) && !__builtin_add_overflow(num, stride, &num),
                     "the window arithmetic overflows (input ", in, ", effective filter size ", effective, ")");
    dim->out = num / stride;
  }
  OPBRIDGE_REQUIRE(dim->out >= 0, "Computed output size would be negative: ", dim->out, " [input_size: ", in,
                   ", effective_filter_size: ", effective, ", stride: ", stride, "]");
  return Status::Ok();
}

// ParallelFor's cost per item from an estimate in nanoseconds (about half a
// nanosecond per multiply-add), capped so that items * cost cannot overflow.
inline int64_t ItemCost(double nanoseconds, int64_t items) {
  const double limit = 4e18 / static_cast<double>(std::max<int64_t>(1, items));
  return static_cast<int64_t>(std::max(1.0, std::min(nanoseconds, limit)));
}

// TF's FastBoundsCheck(v, INT_MAX): 0 <= v < INT_MAX (strictly below).
inline bool BelowIntMax(int64_t v) { return v >= 0 && v < std::numeric_limits<int32_t>::max(); }

}  // namespace opbridge::nn
