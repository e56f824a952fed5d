// SparseReduceSumSparse: tf.sparse.reduce_sum(output_is_sparse=True). The checks, order and arithmetic are
// sparse_reduce.h's (TF's sparse_reduce_op.cc).
#include "sparse_reduce.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SparseReduceSumSparse")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sum-reduces a SparseTensor over reduction_axes (tf.sparse.reduce_sum(output_is_sparse=True)).")
                         .Input("input_indices: int64")
                         .Input("input_values: T")
                         .Input("input_shape: int64")
                         .Input("reduction_axes: int32")
                         .Output("output_indices: int64")
                         .Output("output_values: T")
                         .Output("output_shape: int64")
                         .Params<sparse::ReduceParams>()
                         .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64, complex64, complex128}")
                         .ShapeRule(sparse::ReduceShape)
                         .Kernel(sparse::ReduceSparseKernel<sparse::Reducer::kSum>));

}  // namespace
}  // namespace opbridge
