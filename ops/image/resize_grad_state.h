// What ResizeBilinearGrad and ResizeBicubicGrad share: their attrs, TF's
// ImageResizerGradientState checks (in TF's order, on what is known) and the
// output shape rule (batch and channels from grads, height and width from
// original_image, as TF's kernel takes them).
#pragma once

#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace image {

struct ResizeGradParams {
  bool align_corners = false;
  bool half_pixel_centers = false;

  static void Declare(ParamBinder& b, ResizeGradParams& p) {
    b.Attr("align_corners: bool = false", &p.align_corners);
    b.Attr("half_pixel_centers: bool = false", &p.half_pixel_centers);
  }
};

struct GradGeometry {
  int64_t batch = 0, channels = 0, resized_h = 0, resized_w = 0, original_h = 0, original_w = 0;
};

inline Status CheckResizeGrad(const Shape& grads, const Shape& original, const ResizeGradParams& p,
                              GradGeometry* g) {
  OPBRIDGE_REQUIRE(!p.half_pixel_centers || !p.align_corners,
                   "If half_pixel_centers is True, align_corners must be False.");
  if (grads.rank_known()) {
    OPBRIDGE_REQUIRE(grads.rank() == 4, "input_grad must be 4-dimensional", grads.ToString());
    g->batch = grads.dim(0);
    g->resized_h = grads.dim(1);
    g->resized_w = grads.dim(2);
    g->channels = grads.dim(3);
    OPBRIDGE_REQUIRE(g->resized_h != 0 && g->resized_w != 0, "resized dimensions must be positive");
  }
  if (original.rank_known()) {
    OPBRIDGE_REQUIRE(original.rank() == 4, "original_image must be 4-dimensional", original.ToString());
    g->original_h = original.dim(1);
    g->original_w = original.dim(2);
    OPBRIDGE_REQUIRE(g->original_h != 0 && g->original_w != 0, "original dimensions must be positive");
    OPBRIDGE_REQUIRE(g->original_h <= INT32_MAX && g->original_w <= INT32_MAX,
                     "original sizes must be between 0 and max int32");
  }
  return Status::Ok();
}

inline Status ResizeGradShape(ShapeContext& ctx, const ResizeGradParams& p) {
  GradGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(CheckResizeGrad(ctx.input(0), ctx.input(1), p, &g));
  const Shape& grads = ctx.input(0);
  const Shape& original = ctx.input(1);
  ctx.set_output(0, Shape({grads.rank_known() ? grads.dim(0) : kUnknownDim,
                           original.rank_known() ? original.dim(1) : kUnknownDim,
                           original.rank_known() ? original.dim(2) : kUnknownDim,
                           grads.rank_known() ? grads.dim(3) : kUnknownDim}));
  return Status::Ok();
}

}  // namespace image
}  // namespace opbridge
