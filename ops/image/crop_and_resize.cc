// CropAndResize: TF's tf.image.crop_and_resize. The converter emits CUSTOM
// "CropAndResize" with {T, method, extrapolation_value}; boxes (float
// [num_boxes, 4], normalized y1, x1, y2, x2), box_ind (int32 [num_boxes]) and
// crop_size (int32 [2]) are inputs.
//
//   crops[b, y, x, d] samples image[box_ind[b]] at
//     in_y = y1 * (H - 1) + y * (y2 - y1) * (H - 1) / (crop_h - 1)
//   (the box centre when crop_h == 1), likewise x; bilinear (lerp along x,
//   then y) or nearest (roundf, halves away from zero). Sample points outside
//   [0, H - 1] x [0, W - 1] give extrapolation_value. Boxes may extend past
//   the image or be flipped (y1 > y2).
// Errors as TF: a box_ind outside [0, batch) ("box_index has values outside
// [0, batch_size)") and non-finite box coordinates.
#include <cmath>
#include <string>

#include "crop_and_resize.h"
#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct CropParams {
  // A string, not an Enum(), so that an unknown method still fails in the
  // shape rule with TF's message.
  std::string method = "bilinear";
  double extrapolation_value = 0;

  static void Declare(ParamBinder& b, CropParams& p) {
    b.Attr("method: {'bilinear', 'nearest'} = 'bilinear'", &p.method);
    b.Attr("extrapolation_value: float = 0", &p.extrapolation_value);
  }
};

Status CheckImage(const Shape& image) {
  if (!image.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(image.rank() == 4, "input image must be 4-D, got shape ", image.ToString());
  OPBRIDGE_REQUIRE(image.dim(1) != 0 && image.dim(2) != 0, "image dimensions must be positive, got shape ",
                   image.ToString());
  return Status::Ok();
}

Status CropAndResizeShape(ShapeContext& ctx, const CropParams& params) {
  const std::string& method = params.method;
  OPBRIDGE_REQUIRE(method == "bilinear" || method == "nearest", "method must be 'bilinear' or 'nearest', got '",
                   method, "'");
  OPBRIDGE_RETURN_IF_ERROR(CheckImage(ctx.input(0)));
  int64_t num_boxes = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxes(ctx.input(1), ctx.input(2), &num_boxes));
  int64_t h = 0, w = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::KnownIntPair(ctx, 3, "crop_size", &h, &w));
  if (h == kUnknownDim) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(h > 0 && w > 0, "crop dimensions must be positive, got crop_size [", h, ", ", w, "]");
  const Shape& image = ctx.input(0);
  ctx.set_output(0, Shape({num_boxes, h, w, image.rank_known() ? image.dim(3) : kUnknownDim}));
  return Status::Ok();
}

template <typename T>
Status Crop(KernelContext& ctx, const CropParams& params) {
  const ConstTensor& image = ctx.input(0);
  const ConstTensor& boxes = ctx.input(1);
  const ConstTensor& box_ind = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(CheckImage(image.shape()));
  int64_t num_boxes = 0, crop_h = 0, crop_w = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxes(boxes.shape(), box_ind.shape(), &num_boxes));
  OPBRIDGE_RETURN_IF_ERROR(image::ReadIntPair(ctx.input(3), "crop_size", &crop_h, &crop_w));
  OPBRIDGE_REQUIRE(crop_h > 0 && crop_w > 0, "crop dimensions must be positive, got crop_size [", crop_h, ", ",
                   crop_w, "]");
  const int64_t batch = image.dim(0), height = image.dim(1), width = image.dim(2), depth = image.dim(3);
  OPBRIDGE_REQUIRE(height <= INT32_MAX && width <= INT32_MAX && batch <= INT32_MAX, "image ",
                   image.shape().ToString(), " is too large");
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::OutputWithShape(ctx, 0, Shape({num_boxes, crop_h, crop_w, depth}), &output));
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxValues(boxes, box_ind, num_boxes, batch));
  const int32_t* index = box_ind.data<int32_t>();
  const float* box = boxes.data<float>();
  if (output.num_elements() == 0) return Status::Ok();

  const bool bilinear = params.method == "bilinear";
  const auto extrapolation = static_cast<float>(params.extrapolation_value);
  const T* in = image.data<T>();
  float* out = output.data<float>();
  const auto h1 = static_cast<float>(height - 1), w1 = static_cast<float>(width - 1);
  const auto row_size = width * depth;
  ctx.ParallelFor(num_boxes * crop_h, crop_w * depth * (bilinear ? 4 : 1) + 20, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / crop_h, y = task % crop_h;
      const float y1 = box[b * 4], x1 = box[b * 4 + 1], y2 = box[b * 4 + 2], x2 = box[b * 4 + 3];
      const T* src = in + static_cast<int64_t>(index[b]) * height * row_size;
      float* dst = out + task * crop_w * depth;
      const float height_scale = image::CropScale(y1, y2, height, crop_h);
      const float width_scale = image::CropScale(x1, x2, width, crop_w);
      const float in_y = image::CropSource(y1, y2, height, crop_h, height_scale, y);
      if (in_y < 0 || in_y > h1) {
        std::fill(dst, dst + crop_w * depth, extrapolation);
        continue;
      }
      const auto top = static_cast<int64_t>(std::floor(in_y));
      const auto bottom = static_cast<int64_t>(std::ceil(in_y));
      const float y_lerp = in_y - static_cast<float>(top);
      const auto nearest_y = static_cast<int64_t>(std::round(in_y));
      for (int64_t x = 0; x < crop_w; ++x, dst += depth) {
        const float in_x = image::CropSource(x1, x2, width, crop_w, width_scale, x);
        if (in_x < 0 || in_x > w1) {
          std::fill(dst, dst + depth, extrapolation);
          continue;
        }
        if (!bilinear) {
          const T* p = src + nearest_y * row_size + static_cast<int64_t>(std::round(in_x)) * depth;
          for (int64_t d = 0; d < depth; ++d) dst[d] = static_cast<float>(p[d]);
          continue;
        }
        const auto left = static_cast<int64_t>(std::floor(in_x));
        const auto right = static_cast<int64_t>(std::ceil(in_x));
        const float x_lerp = in_x - static_cast<float>(left);
        const T* tl = src + top * row_size + left * depth;
        const T* tr = src + top * row_size + right * depth;
        const T* bl = src + bottom * row_size + left * depth;
        const T* br = src + bottom * row_size + right * depth;
        for (int64_t d = 0; d < depth; ++d) {
          const auto top_left = static_cast<float>(tl[d]), top_right = static_cast<float>(tr[d]);
          const auto bottom_left = static_cast<float>(bl[d]), bottom_right = static_cast<float>(br[d]);
          const float top_value = top_left + (top_right - top_left) * x_lerp;
          const float bottom_value = bottom_left + (bottom_right - bottom_left) * x_lerp;
          dst[d] = top_value + (bottom_value - top_value) * y_lerp;
        }
      }
    }
  });
  return Status::Ok();
}

Status CropAndResizeKernel(KernelContext& ctx, const CropParams& params) {
  return image::DispatchWith16BitFloats<uint8_t, uint16_t, int8_t, int16_t, int32_t, int64_t, float, double>(
      ctx.input(0).dtype(), true, false, [&](auto tag) { return Crop<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("CropAndResize")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Crops boxes out of NHWC images and resizes them to crop_size, bilinear or nearest "
                              "(tf.image.crop_and_resize); float output.")
                         .Input("image: T")
                         .Input("boxes: float")
                         .Input("box_ind: int32")
                         .Input("crop_size: int32")
                         .Output("crops: float")
                         .Attr("T: {uint8, uint16, int8, int16, int32, int64, half, float, double}")
                         .Params<CropParams>()
                         .ShapeRule(CropAndResizeShape)
                         .Kernel(CropAndResizeKernel));

}  // namespace
}  // namespace opbridge
