// SparseConcat: tf.sparse.concat (tf.compat.v1.sparse_concat, expand_nonconcat_dims
// false), N SparseTensors joined along concat_dim. TFLite has no kernel.
//
// Three input lists of one length N (indices, values, shapes): the TFLite
// adapter splits the node's flat inputs by the N the converter keeps
// (docs/authoring.md, input lists).
//
// As TF 2.21's CPU kernel (sparse_concat_op.cc), checks in its order and
// words: indices matrices, values and shapes vectors, no negative or
// overflowing shape, concat_dim in range, ranks and the other dims equal;
// with any entry, each input's SparseTensor::Create checks. Then TF's
// computation step for step, so repeated indices come out in TF's order too:
// each input sorted along (concat_dim, the other dims) by TF's std::sort,
// appended with its concat_dim index shifted by the dims before it, all
// sorted again in row-major order. Indices are not bounds-checked (TF does
// not). Values of every dtype TF registers but resource and variant are only moved.
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "sparse_util.h"

namespace opbridge {
namespace {

struct SparseConcatParams {
  int64_t concat_dim = 0;
  int64_t n = 2;

  static void Declare(ParamBinder& b, SparseConcatParams& p) {
    b.Attr("concat_dim: int", &p.concat_dim);
    b.Attr("N: int >= 2", &p.n);
  }
};

Status SparseConcatShape(ShapeContext& ctx, const SparseConcatParams&) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

// a*b without overflow, negative if either is negative or the product overflows
// (TF's MultiplyWithoutOverflow).
int64_t MultiplyOrNegative(int64_t a, int64_t b) {
  int64_t product;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &product)) return -1;
  return product;
}

Status SparseConcatKernel(KernelContext& ctx, const SparseConcatParams& p) {
  const int n = static_cast<int>(p.n);
  const auto inds = [&](int i) -> const ConstTensor& { return ctx.input(i); };
  const auto vals = [&](int i) -> const ConstTensor& { return ctx.input(n + i); };
  const auto shapes = [&](int i) -> const ConstTensor& { return ctx.input(2 * n + i); };
  for (int i = 0; i < n; ++i) {
    OPBRIDGE_REQUIRE(inds(i).rank() == 2, "Input indices should be a matrix but received shape ",
                     sparse::ShapeText(inds(i).shape()), " at position ", i);
  }
  for (int i = 0; i < n; ++i) {
    OPBRIDGE_REQUIRE(vals(i).rank() == 1, "Input values should be a vector but received shape ",
                     sparse::ShapeText(vals(i).shape()), " at position ", i);
  }
  for (int i = 0; i < n; ++i) {
    OPBRIDGE_REQUIRE(shapes(i).rank() == 1, "Input shapes should be a vector but received shape ",
                     sparse::ShapeText(shapes(i).shape()), " at position ", i);
    int64_t elements = 1;
    const int64_t* dims = shapes(i).data<int64_t>();
    for (int64_t j = 0; j < shapes(i).num_elements(); ++j) {
      elements = MultiplyOrNegative(elements, dims[j]);
      OPBRIDGE_REQUIRE(elements >= 0, "Encountered overflow from large input shape.");
    }
  }
  const int64_t* shape0 = shapes(0).data<int64_t>();
  const int64_t rank = shapes(0).num_elements();
  const int64_t concat_dim = p.concat_dim < 0 ? rank + p.concat_dim : p.concat_dim;
  OPBRIDGE_REQUIRE(concat_dim >= 0 && concat_dim < rank, "Concat dimension must be in range [", -rank, ", ", rank,
                   "), got ", p.concat_dim);
  std::vector<int64_t> out_shape(shape0, shape0 + rank);
  for (int i = 1; i < n; ++i) {
    const int64_t* dims = shapes(i).data<int64_t>();
    OPBRIDGE_REQUIRE(shapes(i).num_elements() == rank, "Ranks of all input tensors must match: expected ", rank,
                     " but got ", shapes(i).num_elements(), " at position ", i);
    for (int64_t j = 0; j < rank; ++j) {
      if (j != concat_dim) {
        OPBRIDGE_REQUIRE(shape0[j] == dims[j], "Input shapes must match: expected ", shape0[j], " for dimension ", j,
                         " but got ", dims[j], " at position ", i);
      } else {
        out_shape[static_cast<size_t>(j)] = sparse::WrapAdd(out_shape[static_cast<size_t>(j)], dims[j]);
      }
    }
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({rank})));
  if (rank) std::memcpy(ctx.output(2).data<int64_t>(), out_shape.data(), out_shape.size() * sizeof(int64_t));

  int64_t nnz = 0;
  for (int i = 0; i < n; ++i) nnz += inds(i).dim(0);
  if (nnz == 0) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({0, rank})));
    return ctx.AllocateOutput(1, Shape({0}));
  }
  for (int i = 0; i < n; ++i) {
    OPBRIDGE_RETURN_IF_ERROR(sparse::CheckSparseTensor(inds(i), vals(i), rank));
  }
  // TF's two sorts: each input along concat_order, then the concatenation in row-major order.
  const int dims = static_cast<int>(rank);
  std::vector<int> concat_order{static_cast<int>(concat_dim)}, std_order;
  for (int j = 0; j < dims; ++j) {
    std_order.push_back(j);
    if (j != concat_dim) concat_order.push_back(j);
  }
  std::vector<int64_t> ix(static_cast<size_t>(nnz * rank));
  std::vector<std::pair<int, int64_t>> source(static_cast<size_t>(nnz));  // (input, entry) of each row
  int64_t row = 0, offset = 0;
  for (int i = 0; i < n; ++i) {
    const int64_t* in = inds(i).data<int64_t>();
    const int64_t rows = inds(i).dim(0);
    for (int64_t k : sparse::ReorderPermutation(in, rows, dims, concat_order)) {
      int64_t* dst = ix.data() + row * rank;
      std::memcpy(dst, in + k * rank, static_cast<size_t>(rank) * sizeof(int64_t));
      dst[concat_dim] = sparse::WrapAdd(dst[concat_dim], offset);
      source[static_cast<size_t>(row++)] = {i, k};
    }
    offset = sparse::WrapAdd(offset, shapes(i).data<int64_t>()[concat_dim]);
  }
  const std::vector<int64_t> perm = sparse::ReorderPermutation(ix.data(), nnz, dims, std_order);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({nnz, rank})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({nnz})));
  int64_t* out_ix = ctx.output(0).data<int64_t>();
  for (int64_t k = 0; k < nnz; ++k) {
    std::memcpy(out_ix + k * rank, ix.data() + perm[static_cast<size_t>(k)] * rank,
                static_cast<size_t>(rank) * sizeof(int64_t));
  }
  return sparse::DispatchMove(vals(0).dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    E* out = sparse::OutData<E>(ctx.output(1));
    for (int64_t k = 0; k < nnz; ++k) {
      const auto& [input, entry] = source[static_cast<size_t>(perm[static_cast<size_t>(k)])];
      out[k] = vals(input).data<E>()[entry];
    }
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseConcat")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("N SparseTensors concatenated along concat_dim (tf.sparse.concat).")
                         .Input("indices: N * int64")
                         .Input("values: N * T")
                         .Input("shapes: N * int64")
                         .Output("output_indices: int64")
                         .Output("output_values: T")
                         .Output("output_shape: int64")
                         .Params<SparseConcatParams>()
                         .Attr("T: {bfloat16, bool, complex128, complex64, half, float, double, int16, int32, int64, "
                               "int8, string, uint16, uint32, uint64, uint8}")
                         .ShapeRule(SparseConcatShape)
                         .Kernel(SparseConcatKernel));

}  // namespace opbridge
