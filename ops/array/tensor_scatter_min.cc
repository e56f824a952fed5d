// TensorScatterMin: TF's tf.tensor_scatter_nd_min; semantics, dtypes,
// checks and bad_indices_policy: tensor_scatter_reduce.h.
#include "tensor_scatter_reduce.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("TensorScatterMin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise min of tensor and update slices at N-d indices (tf.tensor_scatter_nd_min).")
                         .Input("tensor: T")
                         .Input("indices: Tindices")
                         .Input("updates: T")
                         .Output("output: T")
                         .Attr(tensor_scatter::kRealTypes)
                         .Attr("Tindices: {int32, int64}")
                         .Params<tensor_scatter::ScatterParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(tensor_scatter::RealKernel<tensor_scatter::Fold::kMin>));

}  // namespace
}  // namespace opbridge
