// DrawBoundingBoxesV2: TF's tf.image.draw_bounding_boxes. The converter
// emits CUSTOM "DrawBoundingBoxesV2" with {T} (float32 or half images
// [batch, height, width, depth], depth 1, 3 or 4; boxes [batch, num_boxes,
// 4] as normalized y_min, x_min, y_max, x_max; colors [num_colors, >= depth]).
//
// Box k is drawn in row k mod num_colors of colors (its first depth values,
// rounded to T); empty colors fall back to TF's default table. The pixel
// rules are in draw_bounding_boxes.h.
#include <array>
#include <vector>

#include "draw_bounding_boxes.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status DrawBoundingBoxesV2Kernel(KernelContext& ctx) {
  const ConstTensor& colors = ctx.input(2);
  const int64_t depth = ctx.input(0).dim(3);
  // The shape rule checked these at prepare; the table below relies on them.
  OPBRIDGE_REQUIRE(colors.rank() == 2 && colors.dim(1) >= depth && depth <= 4,
                   "colors must have equal or more channels than the image provided: ", colors.shape().ToString());
  if (colors.num_elements() == 0) return image::DrawBoxesOfType(ctx, image::DefaultColorTable(depth));
  std::vector<std::array<float, 4>> table(static_cast<size_t>(colors.dim(0)));
  const int64_t row = colors.dim(1);
  for (size_t i = 0; i < table.size(); ++i) {
    for (int64_t c = 0; c < depth; ++c) table[i][static_cast<size_t>(c)] = colors.data<float>()[i * row + c];
  }
  return image::DrawBoxesOfType(ctx, table);
}

OPBRIDGE_REGISTER_OP(OpSpec("DrawBoundingBoxesV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Draws the outlines of normalized boxes [batch, num_boxes, 4] on images [batch, "
                              "height, width, depth], box k in colors[k mod num_colors].")
                         .Input("images: T")
                         .Input("boxes: float")
                         .Input("colors: float")
                         .Output("output: T")
                         .Attr("T: {float, half} = DT_FLOAT")
                         .ShapeRule(image::DrawBoundingBoxesShape)
                         .Kernel(DrawBoundingBoxesV2Kernel));

}  // namespace
}  // namespace opbridge
