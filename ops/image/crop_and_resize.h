// What TF's CropAndResize and its two gradients share
// (crop_and_resize_op.cc): the boxes/box_ind shape checks
// (ParseAndCheckBoxSizes) and where a crop pixel samples the image.
#pragma once

#include <cmath>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge::image {

// TF's ParseAndCheckBoxSizes: boxes [num_boxes, 4], box_ind [num_boxes]; both
// empty is 0 boxes whatever their ranks.
inline Status CheckBoxes(const Shape& boxes, const Shape& box_ind, int64_t* num_boxes) {
  *num_boxes = kUnknownDim;
  if (!boxes.rank_known() || !box_ind.rank_known()) return Status::Ok();
  if (boxes.num_elements() == 0 && box_ind.num_elements() == 0) {
    *num_boxes = 0;
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(boxes.rank() == 2, "boxes must be 2-D, got shape ", boxes.ToString());
  OPBRIDGE_REQUIRE(boxes.dim(1) == kUnknownDim || boxes.dim(1) == 4, "boxes must have 4 columns, got shape ",
                   boxes.ToString());
  OPBRIDGE_REQUIRE(box_ind.rank() == 1, "box_index must be 1-D, got shape ", box_ind.ToString());
  OPBRIDGE_REQUIRE(boxes.dim(0) == kUnknownDim || box_ind.dim(0) == kUnknownDim || box_ind.dim(0) == boxes.dim(0),
                   "box_index has incompatible shape: ", box_ind.ToString(), " for boxes ", boxes.ToString());
  *num_boxes = boxes.dim(0) != kUnknownDim ? boxes.dim(0) : box_ind.dim(0);
  return Status::Ok();
}

// The step between crop pixels along one axis in image pixels: TF's
// (hi - lo) * (size - 1) / (crop - 1) in float, 0 for a one-pixel crop.
inline float CropScale(float lo, float hi, int64_t size, int64_t crop) {
  return crop > 1 ? (hi - lo) * static_cast<float>(size - 1) / static_cast<float>(crop - 1) : 0.0f;
}

// The image coordinate crop pixel i samples: lo * (size - 1) + i * scale in
// float, or the box centre (computed in double, as TF's 0.5 literal makes
// it) for a one-pixel crop. Outside [0, size - 1] the pixel extrapolates
// (forward) or gets no gradient (the grads).
inline float CropSource(float lo, float hi, int64_t size, int64_t crop, float scale, int64_t i) {
  return crop > 1 ? lo * static_cast<float>(size - 1) + static_cast<float>(i) * scale
                  : static_cast<float>(0.5 * static_cast<double>(lo + hi) * static_cast<double>(size - 1));
}

// The gradients' run-time checks of box_ind and boxes. TF refuses box
// indices outside [0, batch) (an OutOfRange error) but does not check that
// the boxes are finite: a NaN coordinate passes its "outside the image" test
// and TF's kernels then index memory with floor(NaN) (a crash, measured on
// TF 2.21). Here such boxes are an error instead, with the forward op's
// message.
inline Status CheckBoxValues(const ConstTensor& boxes, const ConstTensor& box_ind, int64_t num_boxes,
                             int64_t batch) {
  const int32_t* index = box_ind.data<int32_t>();
  for (int64_t b = 0; b < num_boxes; ++b) {
    OPBRIDGE_REQUIRE(index[b] >= 0 && index[b] < batch, "box_index has values outside [0, batch_size) (box_ind[",
                     b, "] = ", index[b], ", batch_size ", batch, ")");
  }
  const float* box = boxes.data<float>();
  for (int64_t i = 0; i < num_boxes * 4; ++i) {
    OPBRIDGE_REQUIRE(std::isfinite(box[i]), "Boxes contains at least one element that is not finite (boxes[", i / 4,
                     ", ", i % 4, "] = ", box[i], ")");
  }
  return Status::Ok();
}

// TF's grads checks common to both gradients: grads [num_boxes, crop_h,
// crop_w, depth] with a non-empty crop.
inline Status CheckCropGrads(const Shape& grads) {
  if (!grads.rank_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(grads.rank() == 4, "grads image must be 4-D", grads.ToString());
  OPBRIDGE_REQUIRE(grads.dim(1) != 0 && grads.dim(2) != 0, "grads dimensions must be positive");
  return Status::Ok();
}

// One crop pixel's place along one axis: whether it samples inside the
// image, its two bilinear taps and weight, and its nearest tap (TF's
// floorf/ceilf/roundf). NaN coordinates (from infinite products of finite
// boxes) count as outside, where TF would index with floor(NaN).
struct CropTap {
  bool inside = false;
  int64_t lower = 0, upper = 0, nearest = 0;
  float lerp = 0;
};

inline CropTap MakeCropTap(float source, int64_t size) {
  CropTap t;
  t.inside = source >= 0 && source <= static_cast<float>(size - 1);
  if (!t.inside) return t;
  t.lower = static_cast<int64_t>(std::floor(source));
  t.upper = static_cast<int64_t>(std::ceil(source));
  t.nearest = static_cast<int64_t>(std::round(source));
  t.lerp = source - static_cast<float>(t.lower);
  return t;
}

}  // namespace opbridge::image
