// What DrawBoundingBoxes and DrawBoundingBoxesV2 share: TF's one kernel for
// both (tensorflow/core/kernels/image/draw_bounding_box_op.cc), its checks,
// its default color table and its pixel rules.
//
// Each box's corners become pixel indices as TF computes them: the
// normalized coordinate times (size - 1) in float, truncated to int64 (a NaN
// or out-of-range product gives INT64_MIN, as x86's conversion does in TF's
// build). An inverted box, or one wholly outside the image, is skipped; a box
// partly outside is clipped, and only its sides that lie inside are drawn,
// one pixel wide, in color (box index mod number of colors). Boxes are
// drawn in order, later ones over earlier ones.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "opbridge/op.h"

namespace opbridge::image {

// Rank, batch and depth checks (TF's kernel texts), on what is known.
inline Status DrawBoundingBoxesShape(ShapeContext& ctx) {
  const Shape& images = ctx.input(0);
  const Shape& boxes = ctx.input(1);
  OPBRIDGE_REQUIRE(!images.rank_known() || images.rank() == 4, "The rank of the images should be 4 (input '",
                   ctx.input_name(0), "' has shape ", images.ToString(), ")");
  OPBRIDGE_REQUIRE(!boxes.rank_known() || boxes.rank() == 3, "The rank of the boxes tensor should be 3 (input '",
                   ctx.input_name(1), "' has shape ", boxes.ToString(), ")");
  if (images.rank_known()) {
    const int64_t depth = images.dim(3);
    OPBRIDGE_REQUIRE(depth == kUnknownDim || depth == 1 || depth == 3 || depth == 4,
                     "Channel depth should be either 1 (GRY), 3 (RGB), or 4 (RGBA) (input '", ctx.input_name(0),
                     "' has shape ", images.ToString(), ")");
  }
  if (images.rank_known() && boxes.rank_known()) {
    OPBRIDGE_REQUIRE(images.dim(0) == kUnknownDim || boxes.dim(0) == kUnknownDim || images.dim(0) == boxes.dim(0),
                     "The batch sizes should be the same (images ", images.ToString(), ", boxes ",
                     boxes.ToString(), ")");
  }
  if (boxes.rank_known()) {
    OPBRIDGE_REQUIRE(boxes.dim(2) == kUnknownDim || boxes.dim(2) == 4,
                     "The size of the third dimension of the box must be 4. Received: ", boxes.dim(2));
  }
  if (ctx.num_inputs() == 3) {
    const Shape& colors = ctx.input(2);
    if (colors.rank_known()) {
      OPBRIDGE_REQUIRE(colors.rank() == 2, "colors must be a 2-D matrix", colors.ToString());
      const int64_t depth = images.rank_known() ? images.dim(3) : kUnknownDim;
      OPBRIDGE_REQUIRE(colors.dim(1) == kUnknownDim || depth == kUnknownDim || colors.dim(1) >= depth,
                       "colors must have equal or more channels than the image provided: ", colors.ToString());
    }
  }
  ctx.set_output(0, images);
  return Status::Ok();
}

// TF's ten default colors (RGBA); for depth 1 the first channel is 1 (white).
inline std::vector<std::array<float, 4>> DefaultColorTable(int64_t depth) {
  std::vector<std::array<float, 4>> table = {
      {1, 1, 0, 1},   {0, 0, 1, 1},     {1, 0, 0, 1},   {0, 1, 0, 1}, {0.5f, 0, 0.5f, 1},
      {0.5f, 0.5f, 0, 1}, {0.5f, 0, 0, 1}, {0, 0, 0.5f, 1}, {0, 1, 1, 1}, {1, 0, 1, 1}};
  if (depth == 1) {
    for (auto& color : table) color[0] = 1;
  }
  return table;
}

// float -> int64 as x86-64's truncating conversion (cvttss2si) gives it in
// TF's build: NaN and values outside int64 become INT64_MIN (C++ leaves that
// case undefined).
inline int64_t TruncateToInt64(float v) {
  if (!(v >= -9.223372036854775808e18f && v < 9.223372036854775808e18f)) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

template <typename T>
Status DrawBoxes(KernelContext& ctx, const std::vector<std::array<float, 4>>& table) {
  const ConstTensor& images = ctx.input(0);
  const ConstTensor& boxes = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t batch = images.dim(0), height = images.dim(1), width = images.dim(2), depth = images.dim(3);
  const int64_t num_boxes = boxes.dim(1);
  const T* in = images.data<T>();
  T* out = output.data<T>();
  if (images.num_elements() > 0) {
    std::memcpy(out, in, static_cast<size_t>(images.num_elements()) * sizeof(T));
  }
  const float* box_data = boxes.data<float>();
  // Pixel (b, i, j) gets color `color` in its first depth channels.
  const auto paint = [&](int64_t b, int64_t i, int64_t j, const std::array<float, 4>& color) {
    T* px = out + ((b * height + i) * width + j) * depth;
    for (int64_t c = 0; c < depth; ++c) px[c] = static_cast<T>(color[static_cast<size_t>(c)]);
  };
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t k = 0; k < num_boxes; ++k) {
      const float* box = box_data + (b * num_boxes + k) * 4;
      const auto& color = table[static_cast<size_t>(k % static_cast<int64_t>(table.size()))];
      // TF multiplies in float: (size - 1) converts to float first.
      const int64_t min_row = TruncateToInt64(box[0] * static_cast<float>(height - 1));
      const int64_t max_row = TruncateToInt64(box[2] * static_cast<float>(height - 1));
      const int64_t min_col = TruncateToInt64(box[1] * static_cast<float>(width - 1));
      const int64_t max_col = TruncateToInt64(box[3] * static_cast<float>(width - 1));
      const int64_t min_row_clamp = std::max<int64_t>(min_row, 0);
      const int64_t max_row_clamp = std::min<int64_t>(max_row, height - 1);
      const int64_t min_col_clamp = std::max<int64_t>(min_col, 0);
      const int64_t max_col_clamp = std::min<int64_t>(max_col, width - 1);
      if (min_row > max_row || min_col > max_col) continue;                               // inverted
      if (min_row >= height || max_row < 0 || min_col >= width || max_col < 0) continue;  // outside
      // TF's sanity checks; only an image of height or width 0 can fail them.
      OPBRIDGE_REQUIRE(max_row_clamp >= 0, "Max box row clamp is less than 0. (box ", k, " of image ", b,
                       " in input '", boxes.name(), "', image height ", height, ")");
      OPBRIDGE_REQUIRE(min_row_clamp <= height, "Min box row clamp is greater than height.");
      OPBRIDGE_REQUIRE(max_col_clamp >= 0, "Max box col clamp is less than 0. (box ", k, " of image ", b,
                       " in input '", boxes.name(), "', image width ", width, ")");
      OPBRIDGE_REQUIRE(min_col_clamp <= width, "Min box col clamp is greater than width.");
      if (min_row >= 0) {
        for (int64_t j = min_col_clamp; j <= max_col_clamp; ++j) paint(b, min_row, j, color);
      }
      if (max_row < height) {
        for (int64_t j = min_col_clamp; j <= max_col_clamp; ++j) paint(b, max_row, j, color);
      }
      if (min_col >= 0) {
        for (int64_t i = min_row_clamp; i <= max_row_clamp; ++i) paint(b, i, min_col, color);
      }
      if (max_col < width) {
        for (int64_t i = min_row_clamp; i <= max_row_clamp; ++i) paint(b, i, max_col, color);
      }
    }
  }
  return Status::Ok();
}

// Dispatch on the image type (TF's CPU kernel: half and float).
inline Status DrawBoxesOfType(KernelContext& ctx, const std::vector<std::array<float, 4>>& table) {
  switch (ctx.input(0).dtype()) {
    case DType::kFloat32: return DrawBoxes<float>(ctx, table);
    case DType::kFloat16: return DrawBoxes<Eigen::half>(ctx, table);
    default: return Errorf("images must be float32 or float16, got ", DTypeName(ctx.input(0).dtype()));
  }
}

}  // namespace opbridge::image
