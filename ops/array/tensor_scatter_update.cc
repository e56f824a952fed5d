// TensorScatterUpdate: TF's tf.tensor_scatter_nd_update(tensor, indices,
// updates) in float64: the converter leaves CUSTOM "TensorScatterUpdate"
// {T, Tindices} for double (measured by tools/census_float64.py). A copy of
// tensor with each update slice written at its index, in the updates' order
// (a repeated index keeps the last, as TF's CPU kernel). Bad indices are errors.
#include <vector>

#include "scatter_nd.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const ConstTensor& tensor = ctx.input(0);
  const ConstTensor& indices = ctx.input(1);
  const ConstTensor& updates = ctx.input(2);
  const std::vector<int64_t> shape = tensor.shape().dims();
  OPBRIDGE_RETURN_IF_ERROR(array::CheckScatter(indices.shape(), updates.shape(), shape));
  double* out = ctx.output(0).data<double>();
  const double* in = tensor.data<double>();
  for (int64_t i = 0; i < tensor.num_elements(); ++i) out[i] = in[i];
  const int64_t k = indices.dim(indices.rank() - 1);
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(k); d < shape.size(); ++d) slice *= shape[d];
  const double* u = updates.data<double>();
  return array::ForEachScatter(indices, shape, [&](int64_t r, int64_t offset) {
    for (int64_t j = 0; j < slice; ++j) out[offset + j] = u[r * slice + j];
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("TensorScatterUpdate")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensor with update slices written at N-d indices (tf.tensor_scatter_nd_update).")
                         .Input("tensor: T")
                         .Input("indices: Tindices")
                         .Input("updates: T")
                         .Output("output: T")
                         .Attr("T: {double}")
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
