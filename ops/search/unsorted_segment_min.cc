// UnsortedSegmentMin: TF's tf.math.unsorted_segment_min for the dtypes TFLite's
// builtin lacks. Semantics and the shared kernel: unsorted_segment_reduction.h.
#include "unsorted_segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("UnsortedSegmentMin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Reduces data rows into num_segments rows by segment id with min (tf.math.unsorted_segment_min).")
                         .Input("data: T")
                         .Input("segment_ids: Tindices")
                         .Input("num_segments: Tnumsegments")
                         .Output("output: T")
                         .Attr(unsorted_segment::kRealTypes)
                         .Attr("Tindices: {int32, int64}")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .ShapeRule(unsorted_segment::UnsortedShape)
                         .Kernel(unsorted_segment::RealKernel<unsorted_segment::Fold::kMin>));

}  // namespace
}  // namespace opbridge
