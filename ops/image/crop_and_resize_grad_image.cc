// CropAndResizeGradImage: the gradient of CropAndResize with respect to the
// image (tf.image.crop_and_resize under tf.GradientTape: ROI heads of
// detection models in a train step). The converter emits CUSTOM
// "CropAndResizeGradImage" {T, method}; T is the output's type only.
//
//   grads [num_boxes, crop_h, crop_w, depth] float, boxes [num_boxes, 4],
//   box_ind [num_boxes], image_size [4] = (batch, H, W, depth)
//   -> [batch, H, W, depth] T
//
// TF's CPU kernel walks boxes, crop rows, crop columns and channels in order;
// a crop pixel sampling outside the image adds nothing, one inside adds
//   bilinear: dtop = (1 - y_lerp) * g, dbottom = y_lerp * g (float), then
//     T((1 - x_lerp) * dtop) to top-left, T(x_lerp * dtop) to top-right,
//     likewise dbottom to the bottom pair, summed in T;
//   nearest: T(g) to the rounded pixel.
// (TF shards the boxes over threads without synchronizing, so overlapping
// boxes race there when several threads run; with the work of the boxes in a
// test it runs them in one thread, in box order.) Every element here gets its
// additions in that sequential order: a task owns one image row and visits
// the boxes of its image in order, their crop rows touching it in order,
// their pixels in order, top pair before bottom pair. The same bits as TF's
// sequential run, whatever the thread count.
// Errors as TF's, and non-finite boxes refused (TF crashes on them, see
// crop_and_resize.h).
#include <algorithm>
#include <string>
#include <vector>

#include "crop_and_resize.h"
#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct GradImageParams {
  // A string, not an Enum(), so that an unknown method fails with TF's
  // message.
  std::string method = "bilinear";

  static void Declare(ParamBinder& b, GradImageParams& p) {
    b.Attr("method: {'bilinear', 'nearest'} = 'bilinear'", &p.method);
  }
};

Status CheckMethod(const GradImageParams& p) {
  OPBRIDGE_REQUIRE(p.method == "bilinear" || p.method == "nearest", "method must be 'bilinear' or 'nearest'",
                   p.method);
  return Status::Ok();
}

// The checks before image_size's values, in TF's order.
Status CheckShapes(const Shape& grads, const Shape& boxes, const Shape& box_ind, const Shape& image_size) {
  OPBRIDGE_RETURN_IF_ERROR(image::CheckCropGrads(grads));
  int64_t num_boxes = 0;
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxes(boxes, box_ind, &num_boxes));
  OPBRIDGE_REQUIRE(!grads.rank_known() || num_boxes == kUnknownDim || grads.dim(0) == kUnknownDim ||
                       grads.dim(0) == num_boxes,
                   "boxes and grads have incompatible shape");
  if (image_size.rank_known()) {
    OPBRIDGE_REQUIRE(image_size.rank() == 1, "image_size must be 1-D", image_size.ToString());
    OPBRIDGE_REQUIRE(image_size.dim(0) == kUnknownDim || image_size.dim(0) == 4, "image_size must have 4 elements",
                     image_size.ToString());
  }
  return Status::Ok();
}

Status CheckImageSize(const ConstTensor& image_size, const Shape& grads, std::vector<int64_t>* dims) {
  const int32_t* v = image_size.data<int32_t>();
  dims->assign(v, v + 4);
  OPBRIDGE_REQUIRE((*dims)[1] > 0 && (*dims)[2] > 0, "image dimensions must be positive");
  OPBRIDGE_REQUIRE(!grads.rank_known() || grads.dim(3) == kUnknownDim || grads.dim(3) == (*dims)[3],
                   "image_size and grads are incompatible");
  for (const int64_t d : *dims) OPBRIDGE_REQUIRE(d >= 0, "Expected a non-negative size, got ", d);
  return Status::Ok();
}

Status GradImageShape(ShapeContext& ctx, const GradImageParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckMethod(p));
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3)));
  const ConstTensor* image_size = ctx.input_value(3);
  if (image_size == nullptr) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(CheckImageSize(*image_size, ctx.input(0), &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

template <typename T>
void Backprop(KernelContext& ctx, bool bilinear, const float* grads, const float* box, const int32_t* index,
              int64_t num_boxes, int64_t crop_h, int64_t crop_w, const std::vector<int64_t>& dims, T* out) {
  const int64_t batch = dims[0], height = dims[1], width = dims[2], depth = dims[3];
  // Every box's crop rows and columns, as TF computes them per pixel.
  std::vector<image::CropTap> ys(static_cast<size_t>(num_boxes * crop_h));
  std::vector<image::CropTap> xs(static_cast<size_t>(num_boxes * crop_w));
  for (int64_t b = 0; b < num_boxes; ++b) {
    const float y1 = box[b * 4], x1 = box[b * 4 + 1], y2 = box[b * 4 + 2], x2 = box[b * 4 + 3];
    const float height_scale = image::CropScale(y1, y2, height, crop_h);
    const float width_scale = image::CropScale(x1, x2, width, crop_w);
    for (int64_t y = 0; y < crop_h; ++y) {
      ys[static_cast<size_t>(b * crop_h + y)] =
          image::MakeCropTap(image::CropSource(y1, y2, height, crop_h, height_scale, y), height);
    }
    for (int64_t x = 0; x < crop_w; ++x) {
      xs[static_cast<size_t>(b * crop_w + x)] =
          image::MakeCropTap(image::CropSource(x1, x2, width, crop_w, width_scale, x), width);
    }
  }
  const int64_t row = width * depth;
  // Per image row: the scan of every crop row, its share of the pixels' work.
  const int64_t cost =
      num_boxes * crop_h * 2 + num_boxes * crop_h * crop_w * depth * 4 / std::max<int64_t>(1, height * batch) + row;
  ctx.ParallelFor(batch * height, cost, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / height, r = task % height;
      T* acc = out + task * row;
      std::fill(acc, acc + row, T(0));
      for (int64_t b = 0; b < num_boxes; ++b) {
        if (index[b] != n) continue;
        for (int64_t y = 0; y < crop_h; ++y) {
          const image::CropTap& ty = ys[static_cast<size_t>(b * crop_h + y)];
          if (!ty.inside) continue;
          const bool top = bilinear ? ty.lower == r : ty.nearest == r;
          const bool bottom = bilinear && ty.upper == r;
          if (!top && !bottom) continue;
          const float* g = grads + (b * crop_h + y) * crop_w * depth;
          const image::CropTap* tx = xs.data() + b * crop_w;
          for (int64_t x = 0; x < crop_w; ++x, g += depth) {
            if (!tx[x].inside) continue;
            if (!bilinear) {
              T* d = acc + tx[x].nearest * depth;
              for (int64_t c = 0; c < depth; ++c) d[c] += static_cast<T>(g[c]);
              continue;
            }
            T* left = acc + tx[x].lower * depth;  // may equal `right`
            T* right = acc + tx[x].upper * depth;
            const float x_lerp = tx[x].lerp;
            if (top) {
              for (int64_t c = 0; c < depth; ++c) {
                const float dtop = (1 - ty.lerp) * g[c];
                left[c] += static_cast<T>((1 - x_lerp) * dtop);
                right[c] += static_cast<T>(x_lerp * dtop);
              }
            }
            if (bottom) {
              for (int64_t c = 0; c < depth; ++c) {
                const float dbottom = ty.lerp * g[c];
                left[c] += static_cast<T>((1 - x_lerp) * dbottom);
                right[c] += static_cast<T>(x_lerp * dbottom);
              }
            }
          }
        }
      }
    }
  });
}

Status GradImageKernel(KernelContext& ctx, const GradImageParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(CheckMethod(p));
  const ConstTensor& grads = ctx.input(0);
  const ConstTensor& boxes = ctx.input(1);
  const ConstTensor& box_ind = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(grads.shape(), boxes.shape(), box_ind.shape(), ctx.input(3).shape()));
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(CheckImageSize(ctx.input(3), grads.shape(), &dims));
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::OutputWithShape(ctx, 0, Shape(dims), &output));
  const int64_t num_boxes = grads.dim(0);
  OPBRIDGE_RETURN_IF_ERROR(image::CheckBoxValues(boxes, box_ind, num_boxes, dims[0]));
  if (output.num_elements() == 0) return Status::Ok();
  const bool bilinear = p.method == "bilinear";
  return image::DispatchWith16BitFloats<float, double>(output.dtype(), true, false, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Backprop<T>(ctx, bilinear, grads.data<float>(), boxes.data<float>(), box_ind.data<int32_t>(), num_boxes,
                grads.dim(1), grads.dim(2), dims, output.data<T>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("CropAndResizeGradImage")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of CropAndResize with respect to the image: each crop pixel's gradient "
                              "added to the image pixels it sampled.")
                         .Input("grads: float")
                         .Input("boxes: float")
                         .Input("box_ind: int32")
                         .Input("image_size: int32")
                         .Output("output: T")
                         .Attr("T: {float, half, double}")
                         .Params<GradImageParams>()
                         .ShapeRule(GradImageShape)
                         .Kernel(GradImageKernel));

}  // namespace
}  // namespace opbridge
