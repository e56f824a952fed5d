// SparseReorder: tf.sparse.reorder, a SparseTensor's entries in row-major
// (canonical) order. TFLite has no kernel.
//
// As TF 2.21's CPU kernel (sparse_reorder_op.cc): checks in TF's order and
// words (sparse_utils' shape checks: indices rank 2, values and shape rank
// 1, their lengths); the shape's dims are not checked (TF 2.21 takes 0, negative and
// huge dims: measured). Input
// already valid (in bounds, strictly increasing) comes out as it is;
// otherwise the entries are sorted with TF's comparator by the same std::sort,
// so repeated and out-of-range indices come out in TF's order. Values of
// every dtype TF registers are only moved.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {


Status ReorderShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(0));
  ctx.set_output(1, ctx.input(1));
  return Status::Ok();
}

Status ReorderKernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& values = ctx.input(1);
  const ConstTensor& shape = ctx.input(2);
  OPBRIDGE_RETURN_IF_ERROR(sparse::ValidateSparseShapes(indices, values, shape));
  const int64_t* dims = shape.data<int64_t>();
  const int rank = static_cast<int>(indices.dim(1));
  const int64_t n = indices.dim(0);
  const int64_t* ix = indices.data<int64_t>();
  std::vector<int64_t> perm;
  if (!sparse::IndicesValid(ix, n, rank, dims).ok()) {
    std::vector<int> order(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) order[static_cast<size_t>(d)] = d;
    perm = sparse::ReorderPermutation(ix, n, rank, order);
  }
  int64_t* out_ix = ctx.output(0).data<int64_t>();
  return sparse::DispatchMove(values.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* in = values.data<E>();
    E* out = ctx.output(1).data<E>();
    if (perm.empty()) {
      if (n && rank) std::memcpy(out_ix, ix, static_cast<size_t>(n * rank) * sizeof(int64_t));
      for (int64_t i = 0; i < n; ++i) out[i] = in[i];
      return Status::Ok();
    }
    for (int64_t k = 0; k < n; ++k) {
      const int64_t from = perm[static_cast<size_t>(k)];
      if (rank) std::memcpy(out_ix + k * rank, ix + from * rank, static_cast<size_t>(rank) * sizeof(int64_t));
      out[k] = in[from];
    }
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseReorder")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A SparseTensor's entries in canonical row-major order (tf.sparse.reorder).")
                         .Input("input_indices: int64")
                         .Input("input_values: T")
                         .Input("input_shape: int64")
                         .Output("output_indices: int64")
                         .Output("output_values: T")
                         .Attr("T: {bfloat16, bool, complex128, complex64, half, float, double, int16, int32, int64, "
                               "int8, string, uint16, uint32, uint64, uint8}")
                         .ShapeRule(ReorderShape)
                         .Kernel(ReorderKernel));

}  // namespace opbridge
