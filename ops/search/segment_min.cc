// SegmentMin: TF's minimum over sorted segments (tf.math.segment_min). TFLite has no
// kernel: the converter emits CUSTOM "SegmentMin" with options {T, Tindices}.
//
// Semantics, checks and error texts are TF's (segment_reduction.h). Gaps get 0 (TF's default, not +inf).
#include "segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SegmentMin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Minimum of the rows of `data` in each segment: segment_ids is sorted, output "
                              "row i reduces the rows with id i (tf.math.segment_min).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Output("output: T")
                         .Attr(segment::kRealTypes)
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(segment::SegmentShape)
                         .Kernel(segment::RealKernel<segment::Reduction::kMin>));

}  // namespace
}  // namespace opbridge
