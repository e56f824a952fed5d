// SparseSegmentSqrtNWithNumSegments: TF's tf.sparse.segment_sqrt_n; semantics,
// order of operations, dtypes and errors: sparse_segment_reduction.h.
#include "sparse_segment_reduction.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SparseSegmentSqrtNWithNumSegments")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sum / sqrt(count) of the data rows indices pick, per sorted segment id (num_segments rows) "
                              "(tf.sparse.segment_sqrt_n).")
                         .Input("data: T")
                         .Input("indices: Tidx")
                         .Input("segment_ids: Tsegmentids")
                         .Input("num_segments: Tnumsegments")
                         .Output("output: T")
                         .Attr(sparse_segment::kFloatTypes)
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .Attr("Tnumsegments: {int32, int64} = DT_INT32")
                         .Attr("Tsegmentids: {int32, int64} = DT_INT32")
                         .Attr("sparse_gradient: bool = false")
                         .ShapeRule(sparse_segment::SparseSegmentShape)
                         .Kernel(sparse_segment::Kernel<sparse_segment::Kind::kSqrtN>));

}  // namespace
}  // namespace opbridge
