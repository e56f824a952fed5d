// SegmentMean: TF's mean over sorted segments (tf.math.segment_mean). TFLite has no
// kernel: the converter emits CUSTOM "SegmentMean" with options {T, Tindices}.
//
// Semantics, checks and error texts are TF's (segment_reduction.h). Gaps get 0; integer means
// truncate toward zero.
#include "segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SegmentMean")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Mean of the rows of `data` in each segment: segment_ids is sorted, output "
                              "row i reduces the rows with id i (tf.math.segment_mean).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Output("output: T")
                         .Attr(segment::kNumberTypes)
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(segment::SegmentShape)
                         .Kernel(segment::NumberKernel<segment::Reduction::kMean>));

}  // namespace
}  // namespace opbridge
