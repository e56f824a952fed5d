// SparseSlice: tf.sparse.slice, the entries of a SparseTensor inside the box
// [start, start + size), shifted to start at 0. TFLite has no kernel.
//
// As TF's CPU kernel (sparse_slice_op.cc, SparseTensor::Slice):
// - checks in TF's order and words: sparse_utils' shape checks (indices rank
//   2, values and shape rank 1, their lengths; indices are not validated:
//   -1 placeholders are allowed), start and size vectors of the rank, the
//   shape a valid TensorShape, then each output dim: size when the box fits,
//   what is left of the dim when it starts inside, 0 past it (a negative
//   result is TensorShape's error);
// - entries keep their order; an entry is in when start <= index < start +
//   size in every dim (the box itself, not clipped to the shape).
// Values of every dtype TF registers (strings too) are only moved.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

Status SliceShape(ShapeContext& ctx) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status SliceKernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& values = ctx.input(1);
  const ConstTensor& shape = ctx.input(2);
  const ConstTensor& start_t = ctx.input(3);
  const ConstTensor& size_t_ = ctx.input(4);
  OPBRIDGE_RETURN_IF_ERROR(sparse::ValidateSparseShapes(indices, values, shape));
  const int64_t nnz = indices.dim(0), dims = indices.dim(1);
  OPBRIDGE_REQUIRE(start_t.rank() == 1, "Input start should be a vector but received shape ",
                   ShapeText(start_t.shape()));
  OPBRIDGE_REQUIRE(size_t_.rank() == 1, "Input size should be a vector but received shape ",
                   ShapeText(size_t_.shape()));
  OPBRIDGE_REQUIRE(start_t.num_elements() == dims, "Expected start to be a vector of length ", dims,
                   " but got length ", start_t.num_elements());
  OPBRIDGE_REQUIRE(size_t_.num_elements() == dims, "Expected size to be a vector of length ", dims,
                   " but got length ", size_t_.num_elements());
  const int64_t* in_shape = shape.data<int64_t>();
  int64_t count = 1;
  for (int64_t d = 0; d < dims; ++d) {
    OPBRIDGE_REQUIRE(in_shape[d] >= 0, "Expected shape dimensions to be non-negative, got ", in_shape[d]);
    int64_t product = 0;
    if (__builtin_mul_overflow(count, in_shape[d], &product)) {
      return Errorf("Encountered overflow when multiplying ", count, " with ", in_shape[d], ", result: -1");
    }
    count = product;
  }
  const int64_t* start = start_t.data<int64_t>();
  const int64_t* size = size_t_.data<int64_t>();
  std::vector<int64_t> out_shape(static_cast<size_t>(dims));
  for (int64_t d = 0; d < dims; ++d) {
    const int64_t input = in_shape[d];
    int64_t dim = 0;
    if (start[d] < sparse::WrapAdd(input, sparse::WrapMul(size[d], -1))) {
      dim = size[d];
    } else if (start[d] < input) {
      dim = input - start[d];
    }
    OPBRIDGE_REQUIRE(dim >= 0, "Expected a non-negative size, got ", dim);
    out_shape[static_cast<size_t>(d)] = dim;
  }
  const int64_t* ix = indices.data<int64_t>();
  std::vector<int64_t> hits;
  for (int64_t i = 0; i < nnz; ++i) {
    bool hit = true;
    for (int64_t d = 0; d < dims && hit; ++d) {
      const int64_t v = ix[i * dims + d];
      hit = start[d] <= v && v < sparse::WrapAdd(start[d], size[d]);
    }
    if (hit) hits.push_back(i);
  }
  const auto n = static_cast<int64_t>(hits.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n, dims})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({dims})));
  std::copy(out_shape.begin(), out_shape.end(), ctx.output(2).data<int64_t>());
  int64_t* out_ix = ctx.output(0).data<int64_t>();
  for (int64_t k = 0; k < n; ++k) {
    for (int64_t d = 0; d < dims; ++d) out_ix[k * dims + d] = sparse::WrapAdd(ix[hits[static_cast<size_t>(k)] * dims + d], sparse::WrapMul(start[d], -1));
  }
  return sparse::DispatchMove(values.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* in = values.data<E>();
    E* out = ctx.output(1).data<E>();
    for (int64_t k = 0; k < n; ++k) out[k] = in[hits[static_cast<size_t>(k)]];
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseSlice")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The entries of a SparseTensor inside a box, shifted to its corner (tf.sparse.slice).")
                         .Input("indices: int64")
                         .Input("values: T")
                         .Input("shape: int64")
                         .Input("start: int64")
                         .Input("size: int64")
                         .Output("output_indices: int64")
                         .Output("output_values: T")
                         .Output("output_shape: int64")
                         .Attr("T: {bfloat16, bool, complex128, complex64, half, float, double, int16, int32, int64, "
                               "int8, string, uint16, uint32, uint64, uint8}")
                         .ShapeRule(SliceShape)
                         .Kernel(SliceKernel));

}  // namespace opbridge
