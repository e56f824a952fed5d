// UnravelIndex: TF's tf.unravel_index(indices, dims): each flat index as its
// coordinates in an array of shape dims (row-major). The converter has no
// builtin for it and leaves CUSTOM "UnravelIndex" {Tidx}.
//
// TF's kernel (unravel_index_op.cc) computes coordinate k of index i as
// (i % stride[k]) / stride[k + 1], stride[k] the product of dims[k:], in
// Tidx's C++ arithmetic, and checks only i < prod(dims): a negative index is
// not an error, and gives the truncating remainders (-1 in [2, 3] is
// [0, -1]); so do we. Its checks, in its order and with its texts: indices a
// scalar or a vector, not empty; dims a vector of positive values whose
// product fits Tidx (checked in double against INT_MAX / dim, as TF).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

// An Eigen 1-D tensor as TF's error text prints it: the values right-aligned
// to the widest one, separated by a space ("65536 32767     3").
template <typename Tidx>
std::string DimsText(const Tidx* dims, int64_t n) {
  size_t width = 0;
  for (int64_t i = 0; i < n; ++i) width = std::max(width, std::to_string(dims[i]).size());
  std::string out;
  for (int64_t i = 0; i < n; ++i) {
    const std::string v = std::to_string(dims[i]);
    if (i) out += ' ';
    out += std::string(width - v.size(), ' ') + v;
  }
  return out;
}

Status UnravelIndexShape(ShapeContext& ctx) {
  const Shape& indices = ctx.input(0);
  const Shape& dims = ctx.input(1);
  OPBRIDGE_REQUIRE(!indices.rank_known() || indices.rank() <= 1, "The indices can only be scalar or vector, got \"",
                   array::TfShapeText(indices), "\"");
  OPBRIDGE_REQUIRE(!dims.rank_known() || dims.rank() == 1, "The indices can only be 1-D, got \"", array::TfShapeText(dims),
                   "\"");
  const int64_t ndims = dims.rank_known() ? dims.dim(0) : kUnknownDim;
  if (!indices.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
  } else if (indices.rank() == 0) {
    ctx.set_output(0, Shape({ndims}));
  } else {
    ctx.set_output(0, Shape({ndims, indices.dim(0)}));
  }
  return Status::Ok();
}

template <typename Tidx>
Status Unravel(KernelContext& ctx) {
  const ConstTensor& indices_t = ctx.input(0);
  const ConstTensor& dims_t = ctx.input(1);
  const Tidx* dims = dims_t.data<Tidx>();
  const int64_t ndims = dims_t.num_elements();
  const uint64_t limit = static_cast<uint64_t>(std::numeric_limits<Tidx>::max());
  double prod = 1;
  for (int64_t i = 0; i < ndims; ++i) {
    OPBRIDGE_REQUIRE(dims[i] != 0, "Input dims cannot contain a dim of zero, but dims contains zero at index ", i);
    OPBRIDGE_REQUIRE(dims[i] > 0, "Input dims cannot be negative. Got dim = ", dims[i], " at index ", i);
    OPBRIDGE_REQUIRE(prod <= static_cast<double>(limit / static_cast<uint64_t>(dims[i])),
                     "Input dims product is causing integer overflow: (", DimsText(dims, ndims), ")");
    prod *= static_cast<double>(dims[i]);
  }
  // stride[k] = dims[k] * ... * dims[n-1]; stride[n] = 1.
  std::vector<Tidx> stride(static_cast<size_t>(ndims) + 1, Tidx(1));
  for (int64_t k = ndims - 1; k >= 0; --k) {
    stride[static_cast<size_t>(k)] = static_cast<Tidx>(stride[static_cast<size_t>(k) + 1] * dims[k]);
  }
  const Tidx size = stride[0];
  const Tidx* indices = indices_t.data<Tidx>();
  const int64_t n = indices_t.num_elements();
  for (int64_t j = 0; j < n; ++j) {
    OPBRIDGE_REQUIRE(indices[j] < size, "index is out of bound as with dims");
  }
  // Output [ndims, n] (a scalar index: [ndims]): row k holds coordinate k.
  Tidx* out = ctx.output(0).data<Tidx>();
  ctx.ParallelFor(n, 4 * (ndims + 1), [&](int64_t begin, int64_t end) {
    for (int64_t k = 0; k < ndims; ++k) {
      const Tidx outer = stride[static_cast<size_t>(k)], inner = stride[static_cast<size_t>(k) + 1];
      Tidx* row = out + k * n;
      for (int64_t j = begin; j < end; ++j) row[j] = static_cast<Tidx>(indices[j] % outer / inner);
    }
  });
  return Status::Ok();
}

Status UnravelIndexKernel(KernelContext& ctx) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& dims = ctx.input(1);
  OPBRIDGE_REQUIRE(indices.rank() <= 1, "The indices can only be scalar or vector, got \"",
                   array::TfShapeText(indices.shape()), "\"");
  OPBRIDGE_REQUIRE(indices.num_elements() > 0, "received empty tensor indices: Tensor<type: ",
                   indices.dtype() == DType::kInt64 ? "int64" : "int32", " shape: ", array::TfShapeText(indices.shape()),
                   " values: >");
  OPBRIDGE_REQUIRE(dims.rank() == 1, "The indices can only be 1-D, got \"", array::TfShapeText(dims.shape()), "\"");
  return Dispatch<int32_t, int64_t>(indices.dtype(),
                                    [&](auto tag) { return Unravel<typename decltype(tag)::type>(ctx); });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnravelIndex")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Flat indices as coordinates in an array of shape dims (tf.unravel_index).")
                         .Input("indices: Tidx")
                         .Input("dims: Tidx")
                         .Output("output: Tidx")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(UnravelIndexShape)
                         .Kernel(UnravelIndexKernel));

}  // namespace opbridge
