// SegmentSum: TF's sum over sorted segments (tf.math.segment_sum). TFLite has no
// kernel: the converter emits CUSTOM "SegmentSum" with options {T, Tindices}.
//
// Semantics, checks and error texts are TF's (segment_reduction.h). Gaps get 0. The converter maps
// float32 and int32 sums to the builtin SEGMENT_SUM; other dtypes become this op.
#include "segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SegmentSum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sum of the rows of `data` in each segment: segment_ids is sorted, output "
                              "row i reduces the rows with id i (tf.math.segment_sum).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Output("output: T")
                         .Attr(segment::kNumberTypes)
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(segment::SegmentShape)
                         .Kernel(segment::NumberKernel<segment::Reduction::kSum>));

}  // namespace
}  // namespace opbridge
