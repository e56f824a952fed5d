// SegmentProd: TF's product over sorted segments (tf.math.segment_prod). TFLite has no
// kernel: the converter emits CUSTOM "SegmentProd" with options {T, Tindices}.
//
// Semantics, checks and error texts are TF's (segment_reduction.h). Gaps get 1.
#include "segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SegmentProd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Product of the rows of `data` in each segment: segment_ids is sorted, output "
                              "row i reduces the rows with id i (tf.math.segment_prod).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Output("output: T")
                         .Attr(segment::kNumberTypes)
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(segment::SegmentShape)
                         .Kernel(segment::NumberKernel<segment::Reduction::kProd>));

}  // namespace
}  // namespace opbridge
