// UnsortedSegmentProd: TF's tf.math.unsorted_segment_prod for the dtypes TFLite's
// builtin lacks. Semantics and the shared kernel: unsorted_segment_reduction.h.
#include "unsorted_segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("UnsortedSegmentProd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Multiplies data rows into num_segments rows by segment id (tf.math.unsorted_segment_prod).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Input("num_segments: Tnumsegments")
                         .Output("output: T")
                         .Attr(unsorted_segment::kNumberTypes)
                         .Attr("Tindices: {int32, int64}")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .ShapeRule(unsorted_segment::UnsortedShape)
                         .Kernel(unsorted_segment::NumberKernel<unsorted_segment::Fold::kProd>));

}  // namespace
}  // namespace opbridge
