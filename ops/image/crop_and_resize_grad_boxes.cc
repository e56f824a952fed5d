// CropAndResizeGradBoxes: the gradient of CropAndResize (bilinear) with
// respect to the boxes (tf.image.crop_and_resize under tf.GradientTape,
// differentiating the box coordinates). The converter emits CUSTOM
// "CropAndResizeGradBoxes" {T, method}. T is the op definition's list (TF
// also registers CPU kernels for uint32, uint64 and bfloat16, which no graph
// can reach: the op refuses them).
//
//   grads [num_boxes, crop_h, crop_w, depth] float, image [batch, H, W,
//   depth] T, boxes [num_boxes, 4], box_ind [num_boxes] -> [num_boxes, 4]
//   float (d/dy1, d/dx1, d/dy2, d/dx2)
//
// TF's CPU kernel, one box at a time: for each crop pixel sampling inside
// the image and each channel, the image's slopes at the sample
//   dy = (1 - x_lerp) * (bl - tl) + x_lerp * (br - tr)
//   dx = (1 - y_lerp) * (tr - tl) + y_lerp * (br - bl)
// times the incoming gradient, added to the box's four sums, in float:
//   y1 += dy * (H - 1 - y * height_ratio), y2 += dy * (y * height_ratio)
// with height_ratio = (H - 1) / (crop_h - 1) (likewise x); a one-pixel crop
// adds dy * 0.5 * (H - 1) to both, a double product TF adds to the float
// sum in double (`float += double`). Same expressions, same order: the same
// bits. Boxes are independent, so they run in parallel. Errors as TF's, and
// non-finite boxes refused (TF crashes on them, see crop_and_resize.h).
#include <string>
#include <vector>

#include "crop_and_resize.h"
#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct GradBoxesParams {
  std::string method = "bilinear";

  static void Declare(ParamBinder& b, GradBoxesParams& p) { b.Attr("method: {'bilinear'} = 'bilinear'", &p.method); }
};

// TF's checks in its order, on what is known.
Status CheckShapes(const GradBoxesParams& p, const Shape& grads, const Shape& image, const Shape& boxes,
                   const Shape& box_ind, int64_t* num_boxes) {
  OPBRIDGE_REQUIRE(p.method == "bilinear", "method must be 'bilinear'", p.method);
  OPBRIDGE_RETURN_IF_ERROR(image::CheckCropGrads(grads));
  if (image.rank_known()) {
    OPBRIDGE_REQUIRE(image.rank() == 4, "input image must be 4-D", image.ToString());
    OPBRIDGE_REQUIRE(image.dim(1) != 0 && image.dim(2) != 0, "image dimensions must be positive");
    OPBRIDGE_REQUIRE(!grads.rank_known() || image.dim(3) == kUnknownDim || grads.dim(3) == kUnknownDim ||
                         image.dim(3) == grads.dim(3),
                     "image, grads depth differ");
  }
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxes(boxes, box_ind, num_boxes));
  OPBRIDGE_REQUIRE(!grads.rank_known() || *num_boxes == kUnknownDim || grads.dim(0) == kUnknownDim ||
                       grads.dim(0) == *num_boxes,
                   "boxes and grads have incompatible shape");
  return Status::Ok();
}

Status GradBoxesShape(ShapeContext& ctx, const GradBoxesParams& p) {
  int64_t num_boxes = 0;
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(p, ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3), &num_boxes));
  const Shape& grads = ctx.input(0);
  if (num_boxes == kUnknownDim && grads.rank_known()) num_boxes = grads.dim(0);
  ctx.set_output(0, Shape({num_boxes, 4}));
  return Status::Ok();
}

template <typename T>
void Backprop(KernelContext& ctx, const ConstTensor& grads_t, const ConstTensor& image_t, const float* box,
              const int32_t* index, float* out) {
  const int64_t num_boxes = grads_t.dim(0), crop_h = grads_t.dim(1), crop_w = grads_t.dim(2),
                depth = grads_t.dim(3);
  const int64_t height = image_t.dim(1), width = image_t.dim(2);
  const float* grads = grads_t.data<float>();
  const T* image = image_t.data<T>();
  const int64_t row = width * depth;
  const float h1 = static_cast<float>(height - 1), w1 = static_cast<float>(width - 1);
  // TF's ratios: (H - 1) / (crop_h - 1) in float, 0 for one-pixel crops.
  const float height_ratio = crop_h > 1 ? h1 / static_cast<float>(crop_h - 1) : 0.0f;
  const float width_ratio = crop_w > 1 ? w1 / static_cast<float>(crop_w - 1) : 0.0f;
  ctx.ParallelFor(num_boxes, crop_h * crop_w * depth * 20, [&](int64_t begin, int64_t end) {
    std::vector<image::CropTap> xs(static_cast<size_t>(crop_w));
    std::vector<float> x_first(static_cast<size_t>(crop_w)), x_second(static_cast<size_t>(crop_w));
    for (int64_t b = begin; b < end; ++b) {
      const float y1 = box[b * 4], x1 = box[b * 4 + 1], y2 = box[b * 4 + 2], x2 = box[b * 4 + 3];
      const float height_scale = crop_h > 1 ? (y2 - y1) * height_ratio : 0.0f;
      const float width_scale = crop_w > 1 ? (x2 - x1) * width_ratio : 0.0f;
      for (int64_t x = 0; x < crop_w; ++x) {
        xs[static_cast<size_t>(x)] =
            image::MakeCropTap(image::CropSource(x1, x2, width, crop_w, width_scale, x), width);
        // x1's and x2's factors: W - 1 - x * ratio and x * ratio, in float.
        x_second[static_cast<size_t>(x)] = static_cast<float>(x) * width_ratio;
        x_first[static_cast<size_t>(x)] = w1 - x_second[static_cast<size_t>(x)];
      }
      const T* src = image + static_cast<int64_t>(index[b]) * height * row;
      float sums[4] = {0, 0, 0, 0};  // y1, x1, y2, x2
      for (int64_t y = 0; y < crop_h; ++y) {
        const image::CropTap ty =
            image::MakeCropTap(image::CropSource(y1, y2, height, crop_h, height_scale, y), height);
        if (!ty.inside) continue;
        const float y_second = static_cast<float>(y) * height_ratio, y_first = h1 - y_second;
        const float* g = grads + (b * crop_h + y) * crop_w * depth;
        for (int64_t x = 0; x < crop_w; ++x, g += depth) {
          const image::CropTap& tx = xs[static_cast<size_t>(x)];
          if (!tx.inside) continue;
          const T* tl = src + ty.lower * row + tx.lower * depth;
          const T* tr = src + ty.lower * row + tx.upper * depth;
          const T* bl = src + ty.upper * row + tx.lower * depth;
          const T* br = src + ty.upper * row + tx.upper * depth;
          for (int64_t d = 0; d < depth; ++d) {
            const auto top_left = static_cast<float>(tl[d]), top_right = static_cast<float>(tr[d]);
            const auto bottom_left = static_cast<float>(bl[d]), bottom_right = static_cast<float>(br[d]);
            float grad_y = (1 - tx.lerp) * (bottom_left - top_left) + tx.lerp * (bottom_right - top_right);
            float grad_x = (1 - ty.lerp) * (top_right - top_left) + ty.lerp * (bottom_right - bottom_left);
            grad_y *= g[d];
            grad_x *= g[d];
            if (crop_h > 1) {
              sums[0] += grad_y * y_first;
              sums[2] += grad_y * y_second;
            } else {
              const double half = static_cast<double>(grad_y) * 0.5 * static_cast<double>(height - 1);
              sums[0] = static_cast<float>(static_cast<double>(sums[0]) + half);
              sums[2] = static_cast<float>(static_cast<double>(sums[2]) + half);
            }
            if (crop_w > 1) {
              sums[1] += grad_x * x_first[static_cast<size_t>(x)];
              sums[3] += grad_x * x_second[static_cast<size_t>(x)];
            } else {
              const double half = static_cast<double>(grad_x) * 0.5 * static_cast<double>(width - 1);
              sums[1] = static_cast<float>(static_cast<double>(sums[1]) + half);
              sums[3] = static_cast<float>(static_cast<double>(sums[3]) + half);
            }
          }
        }
      }
      for (int k = 0; k < 4; ++k) out[b * 4 + k] = sums[k];
    }
  });
}

Status GradBoxesKernel(KernelContext& ctx, const GradBoxesParams& p) {
  const ConstTensor& grads = ctx.input(0);
  const ConstTensor& image_t = ctx.input(1);
  const ConstTensor& boxes = ctx.input(2);
  const ConstTensor& box_ind = ctx.input(3);
  int64_t num_boxes = 0;
  OPBRIDGE_RETURN_IF_ERROR(
      CheckShapes(p, grads.shape(), image_t.shape(), boxes.shape(), box_ind.shape(), &num_boxes));
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::OutputWithShape(ctx, 0, Shape({grads.dim(0), 4}), &output));
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxValues(boxes, box_ind, grads.dim(0), image_t.dim(0)));
  if (output.num_elements() == 0) return Status::Ok();
  return image::DispatchWith16BitFloats<float, double, int8_t, uint8_t, int16_t, uint16_t, int32_t, int64_t>(
      image_t.dtype(), true, false, [&](auto tag) {
    Backprop<typename decltype(tag)::type>(ctx, grads, image_t, boxes.data<float>(), box_ind.data<int32_t>(),
                                           output.data<float>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("CropAndResizeGradBoxes")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of CropAndResize (bilinear) with respect to the boxes' coordinates.")
                         .Input("grads: float")
                         .Input("image: T")
                         .Input("boxes: float")
                         .Input("box_ind: int32")
                         .Output("output: float")
                         .Attr("T: {uint8, uint16, int8, int16, int32, int64, half, float, double}")
                         .Params<GradBoxesParams>()
                         .ShapeRule(GradBoxesShape)
                         .Kernel(GradBoxesKernel));

}  // namespace
}  // namespace opbridge
