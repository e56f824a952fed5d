// Landmarks2TransformMatrix (version 2): MediaPipe's crop matrix from
// landmarks (mediapipe/util/tflite/operations/landmarks_to_transform_matrix.cc,
// the version its CPU op resolver registers, as opcode version 2). Options: a
// flexbuffer map {subset_idxs, left_rotation_idx, right_rotation_idx,
// target_rotation_radians, output_height, output_width, scale_x, scale_y}.
//
//   landmarks [B, N, 3] -> matrix [B, 4, 4] (MediaPipe: B = 1)
//
// As MediaPipe's v2 kernel, in float with its operation order:
//   rotation r = target - atan2(right.y - left.y, right.x - left.x);
//   the subset landmarks (subset_idxs as pairs; an odd last index pairs with
//   itself) rotated by r; their bounding box gives the crop size (w, h) and,
//   rotated back, its centre (cx, cy);
//   M = shift(cx, cy) * rotate(-r) * scale(scale_x*w/out_w, scale_y*h/out_h)
//       * shift(-out_w/2, -out_h/2).
// MediaPipe reads indices unchecked; here an index beyond the landmarks or an
// empty subset is an error, besides MediaPipe's own checks (negative indices,
// non-positive output size or scales).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

// The options map's entries, as declared.
struct Params {
  std::vector<int64_t> subset_idxs;
  int64_t left_rotation_idx = 0, right_rotation_idx = 0;
  double target_rotation_radians = 0.0;
  int64_t output_height = 0, output_width = 0;
  double scale_x = 0.0, scale_y = 0.0;

  static void Declare(ParamBinder& b, Params& p) {
    b.Attr("subset_idxs: list(int) = []", &p.subset_idxs);
    b.Attr("left_rotation_idx: int = 0", &p.left_rotation_idx);
    b.Attr("right_rotation_idx: int = 0", &p.right_rotation_idx);
    b.Attr("target_rotation_radians: float = 0.0", &p.target_rotation_radians);
    b.Attr("output_height: int = 0", &p.output_height);
    b.Attr("output_width: int = 0", &p.output_width);
    b.Attr("scale_x: float = 0.0", &p.scale_x);
    b.Attr("scale_y: float = 0.0", &p.scale_y);
  }
};

// The params as MediaPipe's kernel holds them: floats, and the subset as pairs.
struct Crop {
  std::vector<std::pair<int64_t, int64_t>> subset;
  int64_t left, right;
  float target, scale_x, scale_y;
  int64_t out_h, out_w;
};

Status ReadCrop(const Params& params, Crop* p) {
  const std::vector<int64_t>& idxs = params.subset_idxs;
  for (size_t i = 0; i + 1 < idxs.size(); i += 2) p->subset.emplace_back(idxs[i], idxs[i + 1]);
  if (idxs.size() % 2 != 0) p->subset.emplace_back(idxs.back(), idxs.back());
  p->left = params.left_rotation_idx;
  p->right = params.right_rotation_idx;
  p->target = static_cast<float>(params.target_rotation_radians);
  p->out_h = params.output_height;
  p->out_w = params.output_width;
  p->scale_x = static_cast<float>(params.scale_x);
  p->scale_y = static_cast<float>(params.scale_y);
  OPBRIDGE_REQUIRE(p->left >= 0, "Incorrect left_rotation_idx: ", p->left);
  OPBRIDGE_REQUIRE(p->right >= 0, "Incorrect right_rotation_idx: ", p->right);
  OPBRIDGE_REQUIRE(p->out_h > 0 && p->out_h <= INT32_MAX, "Incorrect output_height: ", p->out_h);
  OPBRIDGE_REQUIRE(p->out_w > 0 && p->out_w <= INT32_MAX, "Incorrect output_width: ", p->out_w);
  OPBRIDGE_REQUIRE(p->scale_x > 0, "Incorrect scale_x: ", p->scale_x);
  OPBRIDGE_REQUIRE(p->scale_y > 0, "Incorrect scale_y: ", p->scale_y);
  OPBRIDGE_REQUIRE(!idxs.empty(), "subset_idxs is empty (MediaPipe's kernel would read past it)");
  for (size_t i = 0; i < idxs.size(); ++i) {
    OPBRIDGE_REQUIRE(idxs[i] >= 0, "Incorrect subset value: index = ", i, ", value = ", idxs[i]);
  }
  return Status::Ok();
}

Status CheckIndices(const Crop& p, int64_t count) {
  const auto check = [count](int64_t index, const char* what) {
    OPBRIDGE_REQUIRE(index < count, what, " ", index, " is beyond the ", count, " landmarks");
    return Status::Ok();
  };
  OPBRIDGE_RETURN_IF_ERROR(check(p.left, "left_rotation_idx"));
  OPBRIDGE_RETURN_IF_ERROR(check(p.right, "right_rotation_idx"));
  for (const auto& [a, b] : p.subset) {
    OPBRIDGE_RETURN_IF_ERROR(check(a, "subset index"));
    OPBRIDGE_RETURN_IF_ERROR(check(b, "subset index"));
  }
  return Status::Ok();
}

Status MatrixShape(ShapeContext& ctx, const Params& params) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 3));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireDimEquals(0, 2, 3));
  Crop p;
  OPBRIDGE_RETURN_IF_ERROR(ReadCrop(params, &p));
  if (ctx.input(0).dim(1) >= 0) OPBRIDGE_RETURN_IF_ERROR(CheckIndices(p, ctx.input(0).dim(1)));
  ctx.set_output(0, Shape({ctx.input(0).dim(0), 4, 4}));
  return Status::Ok();
}

// Row-major 3x3 and 4x4 products accumulated from 0 in k order, as MediaPipe's Mat3/Mat4.
void Apply3(const float m[9], const float v[3], float out[3]) {
  for (int r = 0; r < 3; ++r) {
    float sum = 0;
    for (int k = 0; k < 3; ++k) sum += m[r * 3 + k] * v[k];
    out[r] = sum;
  }
}

void Multiply4(float t[16], const float other[16]) {
  float result[16];
  for (int r = 0; r < 4; ++r) {
    for (int c = 0; c < 4; ++c) {
      float sum = 0;
      for (int k = 0; k < 4; ++k) sum += t[r * 4 + k] * other[k * 4 + c];
      result[r * 4 + c] = sum;
    }
  }
  std::copy(result, result + 16, t);
}

void Compute(const Crop& p, const float* landmarks, float* out) {
  const float* left = landmarks + 3 * p.left;
  const float* right = landmarks + 3 * p.right;
  const float rotation = p.target - std::atan2(right[1] - left[1], right[0] - left[0]);

  const float r = rotation;
  const float rotate[9] = {std::cos(r), -std::sin(r), 0.0f, std::sin(r), std::cos(r), 0.0f, 0.0f, 0.0f, 1.0f};
  const float unrotate[9] = {std::cos(-r), -std::sin(-r), 0.0f, std::sin(-r), std::cos(-r), 0.0f, 0.0f, 0.0f, 1.0f};
  float max[3] = {0, 0, 0}, min[3] = {0, 0, 0};
  bool first = true;
  for (const auto& [a, b] : p.subset) {
    for (const int64_t index : {a, b}) {
      const float point[3] = {landmarks[3 * index], landmarks[3 * index + 1], 1.0f};
      float rotated[3];
      Apply3(rotate, point, rotated);
      if (first) {
        std::copy(rotated, rotated + 3, max);
        std::copy(rotated, rotated + 3, min);
        first = false;
        continue;
      }
      if (max[0] < rotated[0]) max[0] = rotated[0];
      if (max[1] < rotated[1]) max[1] = rotated[1];
      if (min[0] > rotated[0]) min[0] = rotated[0];
      if (min[1] > rotated[1]) min[1] = rotated[1];
    }
  }
  const float crop_width = max[0] - min[0];
  const float crop_height = max[1] - min[1];
  float centre[3] = {min[0], min[1], min[2]};
  centre[0] += max[0];
  centre[1] += max[1];
  centre[0] /= 2;
  centre[1] /= 2;
  float crop[3];
  Apply3(unrotate, centre, crop);

  float t[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  const float shift[16] = {1, 0, 0, crop[0], 0, 1, 0, crop[1], 0, 0, 1, 0, 0, 0, 0, 1};
  Multiply4(t, shift);
  const float back = -rotation;
  const float turn[16] = {std::cos(back), -std::sin(back), 0, 0, std::sin(back), std::cos(back), 0, 0,
                          0, 0, 1, 0, 0, 0, 0, 1};
  Multiply4(t, turn);
  const float scale_x = p.scale_x * crop_width / static_cast<float>(p.out_w);
  const float scale_y = p.scale_y * crop_height / static_cast<float>(p.out_h);
  const float scale[16] = {scale_x, 0, 0, 0, 0, scale_y, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  Multiply4(t, scale);
  const auto shift_x = static_cast<float>(-1.0 * (static_cast<double>(p.out_w) / 2.0));
  const auto shift_y = static_cast<float>(-1.0 * (static_cast<double>(p.out_h) / 2.0));
  const float shift2[16] = {1, 0, 0, shift_x, 0, 1, 0, shift_y, 0, 0, 1, 0, 0, 0, 0, 1};
  Multiply4(t, shift2);
  std::copy(t, t + 16, out);
}

Status MatrixKernel(KernelContext& ctx, const Params& params) {
  Crop p;
  OPBRIDGE_RETURN_IF_ERROR(ReadCrop(params, &p));
  const ConstTensor& landmarks = ctx.input(0);
  OPBRIDGE_RETURN_IF_ERROR(CheckIndices(p, landmarks.dim(1)));
  const int64_t batch = landmarks.dim(0), per_batch = landmarks.dim(1) * 3;
  for (int64_t b = 0; b < batch; ++b) {
    Compute(p, landmarks.data<float>() + b * per_batch, ctx.output(0).data<float>() + 16 * b);
  }
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Landmarks2TransformMatrix")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("MediaPipe")
                         .TfLiteVersion(2)
                         .Doc("The 4x4 matrix mapping an output_height x output_width crop, aligned with the "
                              "left/right landmarks and fitted to the subset's box, into the input space; "
                              "landmarks [B,N,3] -> [B,4,4].")
                         .Input("landmarks: float")
                         .Output("matrix: float")
                         .Params<Params>()
                         .ShapeRule(MatrixShape)
                         .Kernel(MatrixKernel));

}  // namespace
}  // namespace opbridge
