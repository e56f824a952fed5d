// Shared by MaxPool and AvgPool (max_pool.cc, avg_pool.cc): TF's attrs and
// checks (the kernels' constructors and PoolParameters, with TF's texts), the
// output shape, and the window arithmetic of 2-D pooling over NHWC.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "conv_geometry.h"
#include "opbridge/op.h"
#include "pool_3d.h"
#include "pool_grad.h"

namespace opbridge::nn {

// The attrs both ops read; MaxPool adds EXPLICIT padding and NCHW_VECT_C.
struct Pool2DAttrs {
  std::vector<int64_t> ksize, strides;
  Padding padding = Padding::kValid;
  std::vector<int64_t> explicit_paddings;
  DataFormat data_format = DataFormat::kChannelsLast;
};

// TF's op definition (ksize, strides: list(int) >= 4); the rest of the
// constructors' checks are each op's (their texts differ).
inline Status CheckPool2DListLengths(const Pool2DAttrs& a) {
  OPBRIDGE_REQUIRE(a.ksize.size() >= 4, "Length for attr 'ksize' of ", a.ksize.size(), " must be at least minimum 4");
  OPBRIDGE_REQUIRE(a.strides.size() >= 4, "Length for attr 'strides' of ", a.strides.size(),
                   " must be at least minimum 4");
  return Status::Ok();
}

// The sizes a kernel loops over. depth_window > 1: MaxPool's pooling across
// channels (then rows and cols are not pooled and out_channels = channels /
// depth_window).
struct Pool2DGeometry {
  int64_t batch = 0, channels = 0, depth_window = 1, out_channels = 0;
  PoolAxis rows, cols;

  Shape OutputShape() const { return Shape({batch, rows.out, cols.out, out_channels}); }
  int64_t out_elements() const { return batch * rows.out * cols.out * out_channels; }
};

// TF's PoolParameters for an NHWC input of rank 4 (unknown dims stay
// unknown, and so do the output dims they decide).
inline Status MakePool2DGeometry(const Pool2DAttrs& a, const Shape& in, Pool2DGeometry* g) {
  OPBRIDGE_REQUIRE(in.rank() == 4, "tensor_in must be 4-dimensional, got shape ", in.ToString());
  const int64_t depth_window = a.ksize[3];
  OPBRIDGE_REQUIRE(depth_window == 1 || (a.ksize[1] == 1 && a.ksize[2] == 1),
                   "MaxPooling supports exactly one of pooling across depth or pooling across width/height.");
  g->batch = in.dim(0);
  g->channels = in.dim(3);
  g->depth_window = depth_window;
  if (depth_window == 1) {
    g->out_channels = g->channels;
    PoolDim rows{a.ksize[1], a.strides[1], {}}, cols{a.ksize[2], a.strides[2], {}};
    if (a.padding == Padding::kExplicit) {
      rows.dim.pad_before = a.explicit_paddings[2];
      rows.dim.pad_after = a.explicit_paddings[3];
      cols.dim.pad_before = a.explicit_paddings[4];
      cols.dim.pad_after = a.explicit_paddings[5];
    }
    if (in.dim(1) != kUnknownDim) {
      OPBRIDGE_RETURN_IF_ERROR(PoolOutputSize(in.dim(1), a.padding, "Top", "Bottom", &rows));
    }
    if (in.dim(2) != kUnknownDim) {
      OPBRIDGE_RETURN_IF_ERROR(PoolOutputSize(in.dim(2), a.padding, "Left", "Right", &cols));
    }
    g->rows = {in.dim(1), in.dim(1) == kUnknownDim ? kUnknownDim : rows.dim.out, rows.window, rows.stride,
               rows.dim.pad_before};
    g->cols = {in.dim(2), in.dim(2) == kUnknownDim ? kUnknownDim : cols.dim.out, cols.window, cols.stride,
               cols.dim.pad_before};
    return Status::Ok();
  }
  // Pooling across channels: no padding, windows that tile the channels
  // (spatial strides are ignored, as TF ignores them).
  OPBRIDGE_REQUIRE(g->channels == kUnknownDim || g->channels % depth_window == 0,
                   "Depthwise max pooling requires the depth window to evenly divide the input depth");
  OPBRIDGE_REQUIRE(a.strides[3] == depth_window,
                   "Depthwise max pooling requires the depth window to equal the depth stride");
  g->out_channels = g->channels == kUnknownDim ? kUnknownDim : g->channels / depth_window;
  g->rows = {in.dim(1), in.dim(1), 1, 1, 0};
  g->cols = {in.dim(2), in.dim(2), 1, 1, 0};
  return Status::Ok();
}

// The shape rule of both ops: P derives from Pool2DAttrs.
template <typename P>
Status Pool2DShape(ShapeContext& ctx, const P& p) {
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  Pool2DGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(MakePool2DGeometry(p, in, &g));
  ctx.set_output(0, g.OutputShape());
  return Status::Ok();
}

}  // namespace opbridge::nn
