// DrawBoundingBoxes: TF's tf.compat.v1.image.draw_bounding_boxes without
// colors. The converter emits CUSTOM "DrawBoundingBoxes" with {T} (float32
// or half images [batch, height, width, depth], depth 1, 3 or 4; boxes
// [batch, num_boxes, 4] as normalized y_min, x_min, y_max, x_max).
//
// Boxes are drawn in TF's ten default colors (depth 1: all white); the pixel
// rules are in draw_bounding_boxes.h.
#include "draw_bounding_boxes.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status DrawBoundingBoxesKernel(KernelContext& ctx) {
  return image::DrawBoxesOfType(ctx, image::DefaultColorTable(ctx.input(0).dim(3)));
}

OPBRIDGE_REGISTER_OP(OpSpec("DrawBoundingBoxes")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Draws the outlines of normalized boxes [batch, num_boxes, 4] on images [batch, "
                              "height, width, depth] in TF's default colors.")
                         .Input("images: T")
                         .Input("boxes: float")
                         .Output("output: T")
                         .Attr("T: {float, half} = DT_FLOAT")
                         .ShapeRule(image::DrawBoundingBoxesShape)
                         .Kernel(DrawBoundingBoxesKernel));

}  // namespace
}  // namespace opbridge
