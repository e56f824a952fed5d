// SparseReduceSum: tf.sparse.reduce_sum, dense output. The checks, order and arithmetic are
// sparse_reduce.h's (TF's sparse_reduce_op.cc).
#include "sparse_reduce.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("SparseReduceSum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sum-reduces a SparseTensor over reduction_axes (tf.sparse.reduce_sum, dense output).")
                         .Input("input_indices: int64")
                         .Input("input_values: T")
                         .Input("input_shape: int64")
                         .Input("reduction_axes: int32")
                         .Output("output: T")
                         .Params<sparse::ReduceParams>()
                         .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64, complex64, complex128}")
                         .ShapeRule(sparse::ReduceShape)
                         .Kernel(sparse::ReduceDenseKernel<sparse::Reducer::kSum>));

}  // namespace
}  // namespace opbridge
