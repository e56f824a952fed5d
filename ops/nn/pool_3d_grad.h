// Shared by MaxPool3DGrad and AvgPool3DGrad: their attrs and TF's checks of
// them (MaxPooling3dGradOp's and AvgPooling3dGradOp's constructors, with
// their texts), and the window arithmetic of a 3-D pooling in either layout.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "conv_geometry.h"
#include "opbridge/op.h"

namespace opbridge::nn {

struct Pool3DGradParams {
  std::vector<int64_t> ksize, strides;
  Padding padding = Padding::kValid;
  DataFormat data_format = DataFormat::kChannelsLast;

  static void Declare(ParamBinder& b, Pool3DGradParams& p) {
    b.Attr("ksize: list(int)", &p.ksize);
    b.Attr("strides: list(int)", &p.strides);
    b.Enum("padding: {'SAME', 'VALID'}", &p.padding, {{"SAME", Padding::kSame}, {"VALID", Padding::kValid}});
    b.Enum("data_format: {'NDHWC', 'NCDHW'} = 'NDHWC'", &p.data_format,
           {{"NDHWC", DataFormat::kChannelsLast}, {"NCDHW", DataFormat::kChannelsFirst}});
  }

  // Index of a spatial dim (0: planes, 1: rows, 2: cols) and of the channels
  // in a 5-D shape, ksize or strides of this layout.
  size_t Spatial(int i) const { return static_cast<size_t>(data_format == DataFormat::kChannelsLast ? 1 + i : 2 + i); }
  size_t Channel() const { return data_format == DataFormat::kChannelsLast ? 4 : 1; }

  // The op definition's minimum lengths, then the constructors' checks. The
  // layout is checked by each op (TF's CPU max gradient refuses NCDHW,
  // oneDNN's average gradient runs it).
  Status Validate() const {
    OPBRIDGE_REQUIRE(ksize.size() >= 5, "Length for attr 'ksize' of ", ksize.size(), " must be at least minimum 5");
    OPBRIDGE_REQUIRE(strides.size() >= 5, "Length for attr 'strides' of ", strides.size(),
                     " must be at least minimum 5");
    OPBRIDGE_REQUIRE(ksize.size() == 5, "Sliding window ksize field must specify 5 dimensions");
    OPBRIDGE_REQUIRE(strides.size() == 5, "Sliding window stride field must specify 5 dimensions");
    // A window of no element has no maximum and no average (TF's average gradient refuses it too).
    for (int64_t k : ksize) OPBRIDGE_REQUIRE(k > 0, "ksize must be positive, got: ", k);
    OPBRIDGE_REQUIRE(ksize[0] == 1 && strides[0] == 1, "Pooling is not yet supported on the batch dimension.");
    OPBRIDGE_REQUIRE(ksize[Channel()] == 1 && strides[Channel()] == 1,
                     "Pooling is not yet supported on the depth dimension.");
    return Status::Ok();
  }
};

// TF's TensorShape::DebugString: "[2,3,4,5,1]".
inline std::string Shape5Text(const Shape& s) {
  std::string text = "[";
  for (int i = 0; i < s.rank(); ++i) text += (i ? "," : "") + std::to_string(s.dim(i));
  return text + "]";
}

// A 3-D pooling's sizes, and its tensors' strides in elements, so that one
// loop serves both layouts: element (n, d, h, w, c) of the input is at
// n * in_stride[0] + d * in_stride[1] + h * in_stride[2] + w * in_stride[3]
// + c * in_stride[4], and likewise for the pooled tensors.
struct Pool3DGradGeometry {
  int64_t batch = 0, channels = 0;
  int64_t in[3] = {0, 0, 0}, out[3] = {0, 0, 0}, window[3] = {1, 1, 1}, stride[3] = {1, 1, 1};
  int64_t pad[3] = {0, 0, 0};
  int64_t in_stride[5] = {0, 0, 0, 0, 0}, out_stride[5] = {0, 0, 0, 0, 0};

  // The elements of output position o's window along spatial dim i that lie
  // inside the input: [*first, *last).
  void Span(int i, int64_t o, int64_t* first, int64_t* last) const {
    const int64_t start = o * stride[i] - pad[i];
    *first = std::max<int64_t>(0, start);
    *last = std::min(in[i], start + window[i]);
  }
};

// The forward pooling of an input of shape `in` (TF's Get3dOutputSizeV2):
// its geometry, and the pooled shape in `pooled`.
inline Status Pool3DGradGeometryFor(const Pool3DGradParams& p, const Shape& in, Pool3DGradGeometry* g,
                                    Shape* pooled) {
  OPBRIDGE_REQUIRE(in.rank() == 5, "tensor_in must be 5-dimensional");
  const bool last = p.data_format == DataFormat::kChannelsLast;
  g->batch = in.dim(0);
  g->channels = in.dim(static_cast<int>(p.Channel()));
  std::vector<int64_t> dims = in.dims();
  for (int i = 0; i < 3; ++i) {
    const size_t at = p.Spatial(i);
    WindowDim dim;
    OPBRIDGE_RETURN_IF_ERROR(WindowedOutputSize(in.dim(static_cast<int>(at)), p.ksize[at], 1, p.strides[at],
                                                p.padding, &dim));
    g->in[i] = in.dim(static_cast<int>(at));
    g->out[i] = dim.out;
    g->pad[i] = dim.pad_before;
    g->window[i] = p.ksize[at];
    g->stride[i] = p.strides[at];
    dims[at] = dim.out;
  }
  *pooled = Shape(dims);
  // Strides of (n, d, h, w, c) in a tensor of spatial sizes `s`.
  auto fill = [&](const int64_t* s, int64_t* st) {
    const int64_t c = g->channels;
    if (last) {
      st[4] = 1, st[3] = c, st[2] = c * s[2], st[1] = c * s[2] * s[1], st[0] = c * s[2] * s[1] * s[0];
    } else {
      st[3] = 1, st[2] = s[2], st[1] = s[2] * s[1], st[4] = s[2] * s[1] * s[0], st[0] = c * s[2] * s[1] * s[0];
    }
  };
  fill(g->in, g->in_stride);
  fill(g->out, g->out_stride);
  return Status::Ok();
}

// Calls fn(TypeTag<T>{}) for the dtypes of TF's CPU kernels of both gradients.
template <typename Fn>
Status DispatchPool3DGradTypes(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat32: return fn(TypeTag<float>{});
    case DType::kBFloat16: return fn(TypeTag<Eigen::bfloat16>{});
    default: return Errorf("TF has no CPU kernel for T=", DTypeName(dtype), " (only float and bfloat16)");
  }
}

}  // namespace opbridge::nn
