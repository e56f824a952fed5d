// SparseSoftmax: tf.sparse.softmax, a softmax over each innermost row of a
// SparseTensor's entries (absent entries take no part). TFLite has no kernel.
//
// As TF's CPU kernel (sparse_softmax_op.cc):
// - checks in TF's order and words: sp_indices a matrix, sp_values and
//   sp_shape vectors, rank >= 2 ("Input should have rank >= 2, but received
//   shape: 5"). Indices are neither range- nor order-checked: the entries are
//   sorted (TF's Reorder over every dim, the same std::sort) and the output
//   lists their softmax values in that sorted order, each run of entries
//   equal in all but the last dim one row;
// - each row as TF's Eigen evaluates it in its AVX build: the maximum (Eigen's
//   reducer, sparse_reduce.h), exp(v - max) with Eigen's packet exp over whole
//   packets (8 floats, 4 doubles, 8 halves) and the C library's exp for the
//   rest, their sum (Eigen's reducer again), its inverse 1 / sum, and each
//   exp times it. half rounds each step (exp through float). TF's bits.
#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <vector>

#include "../nn/softmax_xent.h"
#include "sparse_reduce.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

Status SoftmaxShape(ShapeContext& ctx) {
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename T>
void SoftmaxRow(const T* v, int64_t n, T* exps, T* out) {
  const T max = sparse::EigenReduce<sparse::Reducer::kMax>(v, n);
  constexpr int64_t P = nn::kTfPacketSize<T>;
  const int64_t packets = n / P * P;
  for (int64_t i = 0; i < n; ++i) {
    const T shifted = static_cast<T>(v[i] - max);
    exps[i] = i < packets ? nn::PacketExp(shifted) : nn::ScalarExp(shifted);
  }
  const T inverse = static_cast<T>(T(1) / sparse::EigenReduce<sparse::Reducer::kSum>(exps, n));
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(exps[i] * inverse);
}

Status SoftmaxKernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& values = ctx.input(1);
  const ConstTensor& shape = ctx.input(2);
  OPBRIDGE_REQUIRE(indices.rank() == 2, "Input sp_indices should be a matrix but received shape: ",
                   ShapeText(indices.shape()));
  OPBRIDGE_REQUIRE(values.rank() == 1 && shape.rank() == 1,
                   "Inputs sp_values and sp_shape should be vectors but received shapes: ", ShapeText(values.shape()),
                   " and ", ShapeText(shape.shape()));
  OPBRIDGE_REQUIRE(shape.num_elements() >= 2, "Input should have rank >= 2, but received shape: ",
                   sparse::JoinDims(shape.data<int64_t>(), shape.num_elements(), " "));
  const int64_t nnz = indices.dim(0);
  OPBRIDGE_REQUIRE(nnz < std::numeric_limits<int>::max(), "Number of non-zero elements exceeds int32 range");
  const int rank = static_cast<int>(indices.dim(1));
  // TF builds its SparseTensor without checks (its constructor DCHECKs
  // these); an error here rather than reading past a buffer.
  OPBRIDGE_REQUIRE(values.dim(0) == nnz && rank == shape.num_elements() && rank >= 1,
                   "sp_indices ", ShapeText(indices.shape()), ", sp_values ", ShapeText(values.shape()),
                   " and sp_shape ", ShapeText(shape.shape()), " do not describe one SparseTensor");
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({nnz})));
  const int64_t* ix = indices.data<int64_t>();
  std::vector<int> order(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) order[static_cast<size_t>(d)] = d;
  const std::vector<int64_t> perm = sparse::ReorderPermutation(ix, nnz, rank, order);
  return math::DispatchElement<float, double, Eigen::half>(values.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = values.data<T>();
    T* out = ctx.output(0).data<T>();
    std::vector<T> sorted(static_cast<size_t>(nnz)), exps(static_cast<size_t>(nnz));
    for (int64_t k = 0; k < nnz; ++k) sorted[static_cast<size_t>(k)] = in[perm[static_cast<size_t>(k)]];
    int64_t begin = 0;
    for (int64_t k = 1; k <= nnz; ++k) {
      bool ends = k == nnz;
      if (!ends) {
        const int64_t* row = ix + perm[static_cast<size_t>(k)] * rank;
        const int64_t* prev = ix + perm[static_cast<size_t>(k - 1)] * rank;
        for (int d = 0; d + 1 < rank && !ends; ++d) ends = row[d] != prev[d];
      }
      if (!ends) continue;
      SoftmaxRow(sorted.data() + begin, k - begin, exps.data() + begin, out + begin);
      begin = k;
    }
    return Status::Ok();
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseSoftmax")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Softmax over each innermost row of a SparseTensor's entries (tf.sparse.softmax).")
                         .Input("sp_indices: int64")
                         .Input("sp_values: T")
                         .Input("sp_shape: int64")
                         .Output("output: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SoftmaxShape)
                         .Kernel(SoftmaxKernel));

}  // namespace opbridge
