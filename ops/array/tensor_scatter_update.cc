// TensorScatterUpdate: TF's tf.tensor_scatter_nd_update(tensor, indices,
// updates) for the dtypes TFLite's builtins lack: the converter leaves CUSTOM
// "TensorScatterUpdate" {T, Tindices} for double (tools/census_float64.py),
// string (keras-hub's GPT-2 BPE merge loop), half, int8, uint8, int16, uint32
// and complex64 (measured for issue 15); every dtype TF registers runs here.
// A copy of tensor with each update slice written at its index, in the
// updates' order (a repeated index keeps the last, as TF's CPU kernel). Bad
// indices are errors.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
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
  OPBRIDGE_REQUIRE(updates.dtype() == tensor.dtype(), "updates has dtype ", DTypeName(updates.dtype()),
                   " but tensor has ", DTypeName(tensor.dtype()));
  const int64_t k = indices.dim(indices.rank() - 1);
  int64_t slice = 1;
  for (size_t d = static_cast<size_t>(k); d < shape.size(); ++d) slice *= shape[d];
  if (tensor.dtype() == DType::kString) {
    // Strings (keras-hub's GPT-2 BPE merge loop): the output holds views of
    // the inputs' strings (opbridge/tensor.h), copied once by the adapter.
    const std::string_view* in = tensor.data<std::string_view>();
    const std::string_view* u = updates.data<std::string_view>();
    std::string_view* out = ctx.output(0).data<std::string_view>();
    std::copy(in, in + tensor.num_elements(), out);
    return array::ForEachScatter(indices, shape, [&](int64_t r, int64_t offset) {
      std::copy(u + r * slice, u + (r + 1) * slice, out + offset);
    });
  }
  // Every fixed-size dtype: the op only moves elements, so bytes suffice.
  const size_t bytes = static_cast<size_t>(DTypeSize(tensor.dtype()));
  OPBRIDGE_REQUIRE(bytes > 0, "tensor has unsupported dtype ", DTypeName(tensor.dtype()));
  char* out = ctx.output(0).data<char>();
  const size_t total = static_cast<size_t>(tensor.num_elements()) * bytes;
  if (total) std::memcpy(out, tensor.data<char>(), total);
  const char* u = updates.data<char>();
  const size_t slice_bytes = static_cast<size_t>(slice) * bytes;
  return array::ForEachScatter(indices, shape, [&](int64_t r, int64_t offset) {
    if (slice_bytes) {
      std::memcpy(out + static_cast<size_t>(offset) * bytes, u + static_cast<size_t>(r) * slice_bytes, slice_bytes);
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("TensorScatterUpdate")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensor with update slices written at N-d indices (tf.tensor_scatter_nd_update).")
                         .Input("tensor: T")
                         .Input("indices: Tindices")
                         .Input("updates: T")
                         .Output("output: T")
                         .Attr("T: type")
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
