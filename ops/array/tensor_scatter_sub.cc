// TensorScatterSub: TF's tf.tensor_scatter_nd_sub; semantics, dtypes,
// checks and bad_indices_policy: tensor_scatter_reduce.h.
#include "tensor_scatter_reduce.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("TensorScatterSub")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensor with update slices subtracted at N-d indices (tf.tensor_scatter_nd_sub).")
                         .Input("tensor: T")
                         .Input("indices: Tindices")
                         .Input("updates: T")
                         .Output("output: T")
                         .Attr(tensor_scatter::kNumberTypes)
                         .Attr("Tindices: {int32, int64}")
                         .Params<tensor_scatter::ScatterParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(tensor_scatter::NumberKernel<tensor_scatter::Fold::kSub>));

}  // namespace
}  // namespace opbridge
