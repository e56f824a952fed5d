// SparseReshape: tf.sparse.reshape (and safe_embedding_lookup_sparse's
// flattening of a higher-rank id tensor to 2-D). TFLite has no kernel.
//
// As TF's ReshapeSparseTensor (reshape_util.cc): checks in TF's order and
// words (indices a matrix, the shapes vectors, the input shape a valid
// TensorShape, at most one -1, other sizes >= 0, the -1 inferable, the sizes'
// product the input's); each index goes through its row-major offset in the
// input shape to the output shape. A reshape to the same shape passes the
// input on. Indices are not range-checked (TF does not either); an index
// whose columns differ from input_shape's length is an error here (TF reads
// past the row: its graph-time shape check refuses it when both are known).
#include <cstdint>
#include <cstring>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

Status SparseReshapeShape(ShapeContext& ctx) {
  ctx.set_output_dynamic(0);
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

// TF's TensorShape::BuildTensorShape of a dims vector: every dim >= 0 and the
// element count within int64.
Status BuildShape(const int64_t* dims, int64_t n, std::vector<int64_t>* out) {
  out->assign(dims, dims + n);
  int64_t count = 1;
  for (int64_t d = 0; d < n; ++d) {
    OPBRIDGE_REQUIRE(dims[d] >= 0, "Expected shape dimensions to be non-negative, got ", dims[d]);
    int64_t product = 0;
    if (__builtin_mul_overflow(count, dims[d], &product)) {
      return Errorf("Encountered overflow when multiplying ", count, " with ", dims[d], ", result: -1");
    }
    count = product;
  }
  return Status::Ok();
}

std::string DimsText(const std::vector<int64_t>& dims) {
  return "[" + sparse::JoinDims(dims.data(), static_cast<int64_t>(dims.size())) + "]";
}

Status SparseReshapeKernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& input_shape = ctx.input(1);
  const ConstTensor& new_shape = ctx.input(2);
  OPBRIDGE_REQUIRE(indices.rank() == 2, "Input indices should be a matrix but received shape ",
                   ShapeText(indices.shape()));
  OPBRIDGE_REQUIRE(input_shape.rank() == 1, "Input shape should be a vector but received shape ",
                   ShapeText(input_shape.shape()));
  OPBRIDGE_REQUIRE(new_shape.rank() == 1, "Target shape should be a vector but received shape ",
                   ShapeText(new_shape.shape()));
  const int64_t out_rank = new_shape.num_elements();
  std::vector<int64_t> in_dims;
  OPBRIDGE_RETURN_IF_ERROR(BuildShape(input_shape.data<int64_t>(), input_shape.num_elements(), &in_dims));
  int64_t dense_size = 1;
  for (int64_t d : in_dims) dense_size *= d;
  const int64_t nnz = indices.dim(0);

  const int64_t* target = new_shape.data<int64_t>();
  std::vector<int64_t> out_dims;
  int64_t product = 1;
  int64_t unknown = -1;
  for (int64_t d = 0; d < out_rank; ++d) {
    const int64_t size = target[d];
    if (size == -1) {
      OPBRIDGE_REQUIRE(unknown == -1, "only one output dimension may be -1, not both ", unknown, " and ", d);
      unknown = d;
      out_dims.push_back(1);
    } else {
      OPBRIDGE_REQUIRE(size >= 0, "size ", d, " must be non-negative, not ", size);
      product = sparse::WrapMul(product, size);
      out_dims.push_back(size);
    }
  }
  if (unknown != -1) {
    OPBRIDGE_REQUIRE(product > 0,
                     "reshape cannot infer the missing input size for an empty tensor unless all specified input "
                     "sizes are non-zero");
    const int64_t missing = dense_size / product;
    OPBRIDGE_REQUIRE(sparse::WrapMul(product, missing) == dense_size, "Input to reshape is a SparseTensor with ", dense_size,
                     " dense values, but the requested shape requires a multiple of ", product,
                     ". input_shape=", DimsText(in_dims), " output_shape=", DimsText(out_dims));
    out_dims[static_cast<size_t>(unknown)] = missing;
  }
  int64_t out_size = 1;
  for (int64_t d : out_dims) out_size = sparse::WrapMul(out_size, d);
  OPBRIDGE_REQUIRE(out_size == dense_size, "Input to reshape is a tensor with ", dense_size,
                   " dense values, but the requested shape has ", out_size, ". input_shape=", DimsText(in_dims),
                   " output_shape=", DimsText(out_dims));

  const int64_t in_rank = static_cast<int64_t>(in_dims.size());
  OPBRIDGE_REQUIRE(indices.dim(1) == in_rank, "input_indices has ", indices.dim(1),
                   " columns but input_shape has ", in_rank, " elements");
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({out_rank})));
  std::copy(out_dims.begin(), out_dims.end(), ctx.output(1).data<int64_t>());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({nnz, out_rank})));
  const int64_t* in = indices.data<int64_t>();
  int64_t* out = ctx.output(0).data<int64_t>();
  if (in_dims == out_dims) {  // TF passes the input on
    if (nnz) std::memcpy(out, in, static_cast<size_t>(nnz * in_rank) * sizeof(int64_t));
    return Status::Ok();
  }
  if (nnz == 0) return Status::Ok();
  OPBRIDGE_REQUIRE(dense_size > 0 && product > 0, "Input tensor has ", nnz, " non zero elements but input shape (",
                   DimsText(in_dims), ") or output shape (", DimsText(out_dims), ") is empty");
  std::vector<int64_t> in_strides(static_cast<size_t>(in_rank)), out_strides(static_cast<size_t>(out_rank));
  for (int64_t d = in_rank - 1, s = 1; d >= 0; --d) {
    in_strides[static_cast<size_t>(d)] = s;
    s *= in_dims[static_cast<size_t>(d)];
  }
  for (int64_t d = out_rank - 1, s = 1; d >= 0; --d) {
    out_strides[static_cast<size_t>(d)] = s;
    s *= out_dims[static_cast<size_t>(d)];
  }
  ctx.ParallelFor(nnz, 4 * (in_rank + out_rank), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      int64_t id = 0;
      for (int64_t j = 0; j < in_rank; ++j) {
        id = sparse::WrapAdd(id, sparse::WrapMul(in[i * in_rank + j], in_strides[static_cast<size_t>(j)]));
      }
      for (int64_t j = 0; j < out_rank; ++j) {
        const int64_t stride = out_strides[static_cast<size_t>(j)];
        out[i * out_rank + j] = id / stride;
        id %= stride;
      }
    }
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseReshape")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A SparseTensor's indices for a new dense shape with as many elements "
                              "(tf.sparse.reshape).")
                         .Input("input_indices: int64")
                         .Input("input_shape: int64")
                         .Input("new_shape: int64")
                         .Output("output_indices: int64")
                         .Output("output_shape: int64")
                         .ShapeRule(SparseReshapeShape)
                         .Kernel(SparseReshapeKernel));

}  // namespace opbridge
