// CombinedNonMaxSuppression: TF's per-class greedy NMS over a batch, merged
// across classes (tf.image.combined_non_max_suppression). The converter emits
// CUSTOM "CombinedNonMaxSuppression" {clip_boxes, pad_per_class}; the sizes
// and thresholds are inputs 2-5 (usually constants, which makes the output
// shapes known at prepare; otherwise the outputs are sized at run time).
//
// Mirrors TF's kernel step by step so that ties resolve the same way: per
// (batch, class), candidates with score > score_threshold enter a
// std::priority_queue ordered by score only, in box order; a candidate is
// kept unless its IoU with an already kept box (checked newest first) exceeds
// iou_threshold, up to min(max_output_size_per_class, num_boxes) boxes. The
// kept boxes of all classes are then ordered by std::sort on score (not
// stable, as in TF) and the first max_total_size are written, clipped to
// [0, 1] if clip_boxes, the rest of the output zero. IoU is computed in float
// with TF's formula (corners in either order; a box of non-positive area
// overlaps nothing).
#include <Eigen/Core>
#include <algorithm>
#include <climits>
#include <cstdint>
#include <limits>
#include <queue>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct NmsParams {
  bool pad_per_class = false;
  bool clip_boxes = true;

  static void Declare(ParamBinder& b, NmsParams& p) {
    b.Attr("pad_per_class: bool = false", &p.pad_per_class);
    b.Attr("clip_boxes: bool = true", &p.clip_boxes);
  }
};

struct Sizes {
  int max_per_class = 0;
  int max_total = 0;
  int64_t per_batch = 0;  // outputs' second dim
};

// Checks the size inputs as TF does and derives the output length per batch entry.
Status ReadSizes(const ConstTensor& per_class, const ConstTensor& total, int64_t num_classes, bool pad_per_class,
                 Sizes* sizes) {
  OPBRIDGE_REQUIRE(per_class.rank() == 0, "max_size_per_class must be 0-D, got shape ",
                   per_class.shape().ToString());
  OPBRIDGE_REQUIRE(total.rank() == 0, "max_total_size must be 0-D, got shape ", total.shape().ToString());
  sizes->max_per_class = per_class.data<int32_t>()[0];
  sizes->max_total = total.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(sizes->max_per_class > 0, "max_size_per_class must be positive (it is ", sizes->max_per_class,
                   ")");
  OPBRIDGE_REQUIRE(sizes->max_total > 0, "max_total_size must be > 0 (it is ", sizes->max_total, ")");
  sizes->per_batch = sizes->max_total;
  if (pad_per_class) {
    const int64_t all_classes = std::min<int64_t>(INT_MAX, int64_t{sizes->max_per_class} * num_classes);
    sizes->per_batch = std::min<int64_t>(sizes->max_total, all_classes);
  }
  return Status::Ok();
}

Status CheckShapes(const Shape& boxes, const Shape& scores) {
  OPBRIDGE_REQUIRE(!boxes.rank_known() || boxes.rank() == 4, "boxes must be 4-D [batch, num_boxes, q, 4], got shape ",
                   boxes.ToString());
  OPBRIDGE_REQUIRE(!scores.rank_known() || scores.rank() == 3,
                   "scores must be 3-D [batch, num_boxes, num_classes], got shape ", scores.ToString());
  if (!boxes.fully_known() || !scores.fully_known()) return Status::Ok();
  OPBRIDGE_REQUIRE(boxes.dim(2) == 1 || boxes.dim(2) == scores.dim(2),
                   "third dimension of boxes must be either 1 or num classes (boxes ", boxes.ToString(), ", scores ",
                   scores.ToString(), ")");
  OPBRIDGE_REQUIRE(boxes.dim(3) == 4, "boxes must have 4 columns, got shape ", boxes.ToString());
  OPBRIDGE_REQUIRE(scores.dim(1) == boxes.dim(1), "scores has incompatible shape ", scores.ToString(),
                   " for boxes ", boxes.ToString());
  OPBRIDGE_REQUIRE(boxes.dim(0) == scores.dim(0), "boxes and scores must have same batch size (",
                   boxes.ToString(), " and ", scores.ToString(), ")");
  OPBRIDGE_REQUIRE(boxes.dim(1) <= INT_MAX && scores.dim(2) <= INT_MAX && boxes.dim(0) <= INT_MAX,
                   "too many boxes or classes");
  return Status::Ok();
}

Status CombinedNmsShape(ShapeContext& ctx, const NmsParams& p) {
  const Shape& boxes = ctx.input(0);
  const Shape& scores = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(boxes, scores));
  for (int i = 2; i < 6; ++i) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(i, 0));
  const int64_t batch = boxes.rank_known() ? boxes.dim(0) : kUnknownDim;
  ctx.set_output(3, Shape({batch}));
  const ConstTensor* per_class = ctx.input_value(2);
  const ConstTensor* total = ctx.input_value(3);
  if (per_class != nullptr && total != nullptr && scores.fully_known()) {
    Sizes sizes;
    OPBRIDGE_RETURN_IF_ERROR(ReadSizes(*per_class, *total, scores.dim(2), p.pad_per_class, &sizes));
    ctx.set_output(0, Shape({batch, sizes.per_batch, 4}));
    ctx.set_output(1, Shape({batch, sizes.per_batch}));
    ctx.set_output(2, Shape({batch, sizes.per_batch}));
    return Status::Ok();
  }
  ctx.set_output(0, Shape({batch, kUnknownDim, 4}));
  ctx.set_output(1, Shape({batch, kUnknownDim}));
  ctx.set_output(2, Shape({batch, kUnknownDim}));
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

// A box's corners in (min, max) order and its area, as TF's IoU computes them
// (float; Eigen's mini/maxi are std::min/std::max, so NaN behaves the same).
// Computing them once per box instead of once per pair gives the same values.
struct Corners {
  float ymin, xmin, ymax, xmax, area;
};

Corners Normalize(const float* b) {
  using Eigen::numext::maxi;
  using Eigen::numext::mini;
  Corners c{mini(b[0], b[2]), mini(b[1], b[3]), maxi(b[0], b[2]), maxi(b[1], b[3]), 0.0f};
  c.area = (c.ymax - c.ymin) * (c.xmax - c.xmin);
  return c;
}

// The kept boxes of one class, as columns.
struct KeptBoxes {
  std::vector<float> ymin, xmin, ymax, xmax, area;
  void Add(const Corners& c) {
    ymin.push_back(c.ymin);
    xmin.push_back(c.xmin);
    ymax.push_back(c.ymax);
    xmax.push_back(c.xmax);
    area.push_back(c.area);
  }
  size_t size() const { return area.size(); }
};

// Whether TF would suppress candidate `a`: its IoU with some kept box
// exceeds the threshold. TF checks kept boxes newest first and stops at the
// first hit; the answer is the same for all of them at once, which this loop
// computes without branches (so the compiler vectorizes it). Per pair the
// arithmetic is TF's IoU: std::min/std::max in its argument order, a box of
// non-positive area overlaps nothing, NaN compares false.
bool Suppressed(const Corners& a, const KeptBoxes& kept, float iou_threshold) {
  if (!(a.area > 0)) return false;  // TF's IoU is 0 (or NaN) with every kept box
  const size_t n = kept.size();
  const float* ymin = kept.ymin.data();
  const float* xmin = kept.xmin.data();
  const float* ymax = kept.ymax.data();
  const float* xmax = kept.xmax.data();
  const float* area = kept.area.data();
  int hit = 0;
  for (size_t j = 0; j < n; ++j) {
    const float height = std::max(std::min(a.ymax, ymax[j]) - std::max(a.ymin, ymin[j]), 0.0f);
    const float width = std::max(std::min(a.xmax, xmax[j]) - std::max(a.xmin, xmin[j]), 0.0f);
    const float inter = height * width;
    const float iou = inter / (a.area + area[j] - inter);
    hit |= static_cast<int>(area[j] > 0) & static_cast<int>(iou > iou_threshold);
  }
  return hit != 0;
}

struct Result {
  int box_index;
  float score;
  int class_index;
  float box[4];
};

// Greedy NMS of one class of one batch entry; kept boxes go to
// results[class * size_per_class + k] in the order they are kept.
void NmsOneClass(const float* boxes, const float* scores, int num_boxes, int q, int num_classes, int class_index,
                 int size_per_class, float score_threshold, float iou_threshold, Result* results) {
  struct Candidate {
    int box_index;
    float score;
  };
  const auto lower = [](const Candidate& a, const Candidate& b) { return a.score < b.score; };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower)> queue(lower);
  for (int i = 0; i < num_boxes; ++i) {
    const float score = scores[static_cast<int64_t>(i) * num_classes + class_index];
    if (score > score_threshold) queue.push(Candidate{i, score});
  }
  const int box_column = q > 1 ? class_index : 0;
  KeptBoxes kept;
  while (static_cast<int>(kept.size()) < size_per_class && !queue.empty()) {
    const Candidate next = queue.top();
    queue.pop();
    const float* box = boxes + (static_cast<int64_t>(next.box_index) * q + box_column) * 4;
    const Corners corners = Normalize(box);
    if (Suppressed(corners, kept, iou_threshold)) continue;
    results[static_cast<int64_t>(class_index) * size_per_class + static_cast<int64_t>(kept.size())] =
        Result{next.box_index, next.score, class_index, {box[0], box[1], box[2], box[3]}};
    kept.Add(corners);
  }
}

Status CombinedNmsKernel(KernelContext& ctx, const NmsParams& p) {
  const ConstTensor& boxes_t = ctx.input(0);
  const ConstTensor& scores_t = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(boxes_t.shape(), scores_t.shape()));
  const int batch = static_cast<int>(boxes_t.dim(0));
  const int num_boxes = static_cast<int>(boxes_t.dim(1));
  const int q = static_cast<int>(boxes_t.dim(2));
  const int num_classes = static_cast<int>(scores_t.dim(2));
  const bool pad_per_class = p.pad_per_class;
  const bool clip_boxes = p.clip_boxes;
  Sizes sizes;
  OPBRIDGE_RETURN_IF_ERROR(ReadSizes(ctx.input(2), ctx.input(3), num_classes, pad_per_class, &sizes));
  OPBRIDGE_REQUIRE(ctx.input(4).rank() == 0, "iou_threshold must be 0-D, got shape ",
                   ctx.input(4).shape().ToString());
  OPBRIDGE_REQUIRE(ctx.input(5).rank() == 0, "score_threshold must be 0-D, got shape ",
                   ctx.input(5).shape().ToString());
  const float iou_threshold = ctx.input(4).data<float>()[0];
  const float score_threshold = ctx.input(5).data<float>()[0];
  OPBRIDGE_REQUIRE(iou_threshold >= 0 && iou_threshold <= 1, "iou_threshold must be in [0, 1] (it is ",
                   iou_threshold, ")");

  const int size_per_class = std::min(sizes.max_per_class, num_boxes);
  const int64_t candidates_per_batch = int64_t{size_per_class} * num_classes;
  OPBRIDGE_REQUIRE(candidates_per_batch <= INT_MAX, "size_per_class * num_classes causes overflow");
  if (!ctx.output(0).shape().rank_known()) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({batch, sizes.per_batch, 4})));
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({batch, sizes.per_batch})));
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({batch, sizes.per_batch})));
  }
  OPBRIDGE_REQUIRE(ctx.output(1).shape().dims() == std::vector<int64_t>({batch, sizes.per_batch}),
                   "output 'nmsed_scores' has shape ", ctx.output(1).shape().ToString(), ", expected [", batch,
                   ", ", sizes.per_batch, "]");

  const float* boxes = boxes_t.data<float>();
  const float* scores = scores_t.data<float>();
  const Result empty{-1, -std::numeric_limits<float>::infinity(), -1, {0, 0, 0, 0}};
  std::vector<Result> results(static_cast<size_t>(batch * candidates_per_batch), empty);
  const int64_t boxes_per_batch = int64_t{num_boxes} * q * 4;
  const int64_t scores_per_batch = int64_t{num_boxes} * num_classes;
  ctx.ParallelFor(int64_t{batch} * num_classes, 40 * int64_t{num_boxes} + 100, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / num_classes;
      NmsOneClass(boxes + b * boxes_per_batch, scores + b * scores_per_batch, num_boxes, q, num_classes,
                  static_cast<int>(i % num_classes), size_per_class, score_threshold, iou_threshold,
                  results.data() + b * candidates_per_batch);
    }
  });

  float* out_boxes = ctx.output(0).data<float>();
  float* out_scores = ctx.output(1).data<float>();
  float* out_classes = ctx.output(2).data<float>();
  int32_t* valid = ctx.output(3).data<int32_t>();
  const int64_t per_batch = sizes.per_batch;
  ctx.ParallelFor(batch, 20 * candidates_per_batch + 4 * per_batch + 100, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      Result* first = results.data() + b * candidates_per_batch;
      Result* last = first + candidates_per_batch;
      std::sort(first, last, [](const Result& a, const Result& c) { return c.score < a.score; });
      const int64_t found = std::count_if(first, last, [](const Result& r) { return r.box_index > -1; });
      const int64_t count = std::min<int64_t>(found, pad_per_class ? per_batch : sizes.max_total);
      valid[b] = static_cast<int32_t>(count);
      float* box_out = out_boxes + b * per_batch * 4;
      for (int64_t k = 0; k < count; ++k) {
        const Result& r = first[k];
        for (int c = 0; c < 4; ++c) {
          // std::max(std::min(v, 1), 0) as TF writes it (NaN stays NaN).
          box_out[4 * k + c] = clip_boxes ? std::max(std::min(r.box[c], 1.0f), 0.0f) : r.box[c];
        }
        out_scores[b * per_batch + k] = r.score;
        out_classes[b * per_batch + k] = static_cast<float>(r.class_index);
      }
      std::fill(box_out + 4 * count, box_out + 4 * per_batch, 0.0f);
      std::fill(out_scores + b * per_batch + count, out_scores + (b + 1) * per_batch, 0.0f);
      std::fill(out_classes + b * per_batch + count, out_classes + (b + 1) * per_batch, 0.0f);
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("CombinedNonMaxSuppression")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Per-class greedy NMS merged across classes over a batch "
                              "(tf.image.combined_non_max_suppression): boxes [batch, num_boxes, q, 4], scores "
                              "[batch, num_boxes, num_classes].")
                         .Input("boxes: float")
                         .Input("scores: float")
                         .Input("max_output_size_per_class: int32")
                         .Input("max_total_size: int32")
                         .Input("iou_threshold: float")
                         .Input("score_threshold: float")
                         .Output("nmsed_boxes: float")
                         .Output("nmsed_scores: float")
                         .Output("nmsed_classes: float")
                         .Output("valid_detections: int32")
                         .Params<NmsParams>()
                         .ShapeRule(CombinedNmsShape)
                         .Kernel(CombinedNmsKernel));

}  // namespace
}  // namespace opbridge
