// SparseSegmentSumWithNumSegments: TF's tf.sparse.segment_sum; semantics,
// order of operations, dtypes and errors: sparse_segment_reduction.h.
#include "sparse_segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SparseSegmentSumWithNumSegments")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sum of the data rows indices pick, per sorted segment id (num_segments rows) "
                              "(tf.sparse.segment_sum).")
                         .Input("data: T")
                         .Input("indices: Tidx")
                         .Input("segment_ids: Tsegmentids")
                         .Input("num_segments: Tnumsegments")
                         .Output("output: T")
                         .Attr(sparse_segment::kSumTypes)
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .Attr("Tsegmentids: {int32, int64} = DT_INT32")
                         .Attr("sparse_gradient: bool = false")
                         .ShapeRule(sparse_segment::SparseSegmentShape)
                         .Kernel(sparse_segment::Kernel<sparse_segment::Kind::kSum>));

}  // namespace
}  // namespace opbridge
