// NonMaxSuppressionWithOverlaps: tf.image.non_max_suppression_overlaps. Greedy
// NMS where overlaps[i][j] (any float, not only IoU) is how much box i overlaps
// box j: TF's loop (greedy_nms.h) without soft-NMS, overlap > overlap_threshold
// suppresses. Output: the selected indices, at most max_output_size, in
// selection order (sized at run time). TF's checks and texts, in its order:
// the three scalars, overlaps 2-D and square, scores 1-D of num_boxes, then a
// negative max_output_size.
#include <cstdint>

#include "greedy_nms.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status CheckScalar(const ConstTensor& t, const char* what) {
  OPBRIDGE_REQUIRE(t.rank() == 0, what, " must be 0-D, got shape ", t.shape().ToString());
  return Status::Ok();
}

Status NmsOverlapsShape(ShapeContext& ctx) {
  const Shape& overlaps = ctx.input(0);
  OPBRIDGE_REQUIRE(!overlaps.rank_known() || overlaps.rank() == 2, "overlaps must be 2-D", overlaps.ToString());
  const Shape& scores = ctx.input(1);
  OPBRIDGE_REQUIRE(!scores.rank_known() || scores.rank() == 1, "scores must be 1-D", scores.ToString(),
                   " (Shape must be rank 1 but is rank ", scores.rank(), ")");
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status NmsOverlapsKernel(KernelContext& ctx) {
  const ConstTensor& overlaps = ctx.input(0);
  const ConstTensor& scores = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(CheckScalar(ctx.input(2), "max_output_size"));
  OPBRIDGE_RETURN_IF_ERROR(CheckScalar(ctx.input(3), "overlap_threshold"));
  const float overlap_threshold = ctx.input(3).data<float>()[0];
  OPBRIDGE_RETURN_IF_ERROR(CheckScalar(ctx.input(4), "score_threshold"));
  const float score_threshold = ctx.input(4).data<float>()[0];
  OPBRIDGE_REQUIRE(overlaps.rank() == 2, "overlaps must be 2-D", overlaps.shape().ToString());
  const int64_t num_boxes = overlaps.dim(0);
  OPBRIDGE_REQUIRE(overlaps.dim(1) == num_boxes, "overlaps must be square", overlaps.shape().ToString());
  OPBRIDGE_REQUIRE(num_boxes <= INT32_MAX, "overlaps ", overlaps.shape().ToString(), " has too many boxes");
  OPBRIDGE_REQUIRE(scores.rank() == 1, "scores must be 1-D", scores.shape().ToString(),
                   " (Shape must be rank 1 but is rank ", scores.rank(), ")");
  OPBRIDGE_REQUIRE(scores.dim(0) == num_boxes, "scores has incompatible shape (Dimensions must be equal, but are ",
                   num_boxes, " and ", scores.dim(0), ")");
  const int32_t max_output = ctx.input(2).data<int32_t>()[0];
  OPBRIDGE_REQUIRE(max_output >= 0, "output size must be non-negative");
  const float* m = overlaps.data<float>();
  const int64_t n = num_boxes;
  const detection::NmsSelection sel = detection::GreedyNms(
      scores.data<float>(), static_cast<int>(n), max_output, overlap_threshold, score_threshold, 0.0f,
      [m, n](int i, int j) { return m[static_cast<int64_t>(i) * n + j]; });
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({static_cast<int64_t>(sel.indices.size())})));
  int32_t* out = ctx.output(0).data<int32_t>();
  for (size_t i = 0; i < sel.indices.size(); ++i) out[i] = sel.indices[i];
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("NonMaxSuppressionWithOverlaps")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Greedy non-max suppression by a given overlap matrix "
                              "(tf.image.non_max_suppression_overlaps).")
                         .Input("overlaps: float")
                         .Input("scores: float")
                         .Input("max_output_size: int32")
                         .Input("overlap_threshold: float")
                         .Input("score_threshold: float")
                         .Output("selected_indices: int32")
                         .ShapeRule(NmsOverlapsShape)
                         .Kernel(NmsOverlapsKernel));

}  // namespace
}  // namespace opbridge
