// What TF's resize kernels share (tensorflow/core/util/image_resizer_state.h):
// validation of images/size, the float scale from input to output size, and
// the two ways an output pixel maps back to the input. Used by ResizeBicubic
// and ResizeArea.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge::image {

// (in - 1) / (out - 1) with align_corners (when both sizes exceed 1), else
// in / out, in float as in TF.
inline float ResizeScale(int64_t in, int64_t out, bool align_corners) {
  return (align_corners && in > 1 && out > 1) ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                                    : static_cast<float>(in) / static_cast<float>(out);
}

// Input coordinate of output pixel x: pixel centres at +0.5 (half_pixel_centers)
// or TF's legacy corner mapping.
inline float HalfPixelSource(int64_t x, float scale) { return (static_cast<float>(x) + 0.5f) * scale - 0.5f; }
inline float LegacySource(int64_t x, float scale) { return static_cast<float>(x) * scale; }

struct ResizeGeometry {
  int64_t batch = 0, in_height = 0, in_width = 0, channels = 0;
  int64_t out_height = kUnknownDim, out_width = kUnknownDim;
  float height_scale = 0, width_scale = 0;
};

// TF's ImageResizerState::ValidateAndCalculateOutputSize on what is known.
// `images` may have unknown dims (TF graph time); `out_h`/`out_w` are
// kUnknownDim when the size input is not a constant.
inline Status CheckResize(const Shape& images, int64_t out_h, int64_t out_w, bool align_corners,
                          bool half_pixel_centers, ResizeGeometry* g) {
  OPBRIDGE_REQUIRE(!half_pixel_centers || !align_corners, "If half_pixel_centers is True, align_corners must be False.");
  if (images.rank_known()) {
    OPBRIDGE_REQUIRE(images.rank() == 4, "input must be 4-dimensional, got shape ", images.ToString());
    g->batch = images.dim(0);
    g->in_height = images.dim(1);
    g->in_width = images.dim(2);
    g->channels = images.dim(3);
    OPBRIDGE_REQUIRE(g->channels != 0, "image must have at least one channel");
    OPBRIDGE_REQUIRE(g->in_height != 0 && g->in_width != 0, "input image must be of non-zero size");
    OPBRIDGE_REQUIRE(g->in_height <= INT32_MAX && g->in_width <= INT32_MAX,
                     "input sizes must be between 0 and max int32");
  }
  g->out_height = out_h;
  g->out_width = out_w;
  if (out_h == kUnknownDim) return Status::Ok();
  OPBRIDGE_REQUIRE(out_h > 0 && out_w > 0, "output dimensions must be positive, got size [", out_h, ", ", out_w, "]");
  if (!images.rank_known() || g->in_height <= 0 || g->in_width <= 0) return Status::Ok();
  g->height_scale = ResizeScale(g->in_height, out_h, align_corners);
  g->width_scale = ResizeScale(g->in_width, out_w, align_corners);
  OPBRIDGE_REQUIRE(std::ceil(static_cast<float>(out_h - 1) * g->height_scale) <=
                       static_cast<float>(std::numeric_limits<int64_t>::max()),
                   "input image height scale would cause an overflow");
  OPBRIDGE_REQUIRE(std::ceil(static_cast<float>(out_w - 1) * g->width_scale) <= static_cast<float>(INT32_MAX),
                   "input image width scale would cause an overflow");
  return Status::Ok();
}

// Shape rule of ResizeBicubic/ResizeArea: [N, size[0], size[1], C], dynamic
// when `size` is not a constant.
inline Status ResizeShape(ShapeContext& ctx, bool align_corners, bool half_pixel_centers) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(KnownIntPair(ctx, 1, "size", &h, &w));
  ResizeGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(CheckResize(ctx.input(0), h, w, align_corners, half_pixel_centers, &g));
  const Shape& in = ctx.input(0);
  if (h == kUnknownDim) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  ctx.set_output(0, Shape({in.rank_known() ? in.dim(0) : kUnknownDim, h, w, in.rank_known() ? in.dim(3) : kUnknownDim}));
  return Status::Ok();
}

// Kernel side: reads `size`, validates, and gets the output tensor.
inline Status ResizeSetup(KernelContext& ctx, bool align_corners, bool half_pixel_centers, ResizeGeometry* g,
                          Tensor* out) {
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadIntPair(ctx.input(1), "size", &h, &w));
  OPBRIDGE_RETURN_IF_ERROR(CheckResize(ctx.input(0).shape(), h, w, align_corners, half_pixel_centers, g));
  return OutputWithShape(ctx, 0, Shape({g->batch, h, w, g->channels}), out);
}

inline int64_t Bound(int64_t v, int64_t limit) { return std::min(limit - 1, std::max<int64_t>(0, v)); }

}  // namespace opbridge::image
