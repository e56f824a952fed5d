// SparseTensorDenseAdd: tf.sparse.add(sparse, dense) (and dense + sparse):
// output = b with each entry of the SparseTensor added at its index. TFLite
// has no kernel.
//
// As TF's CPU kernel (sparse_tensor_dense_add_op.cc): checks in TF's order
// and words (a_indices a matrix; a_values and a_shape vectors of its rows and
// columns; a_shape b's shape, no broadcasting; every index inside it, the
// first bad one named with the shape as Eigen prints it, "2 3"); ranks 1 to 5
// only. Entries are added in their order, repeated ones each time, in T (half
// and bfloat16 rounded at each addition, integers wrapping): TF's bits.
#include <Eigen/Core>
#include <complex>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "sparse_util.h"

namespace opbridge {
namespace {

using sparse::ShapeText;

Status DenseAddShape(ShapeContext& ctx) {
  ctx.set_output(0, ctx.input(3));
  return Status::Ok();
}

template <typename T>
void AddInto(T& acc, T v) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    acc = static_cast<T>(static_cast<U>(static_cast<U>(acc) + static_cast<U>(v)));
  } else {
    acc = acc + v;
  }
}

Status DenseAddKernel(KernelContext& ctx) {
  const ConstTensor& a_indices = ctx.input(0);
  const ConstTensor& a_values = ctx.input(1);
  const ConstTensor& a_shape = ctx.input(2);
  const ConstTensor& b = ctx.input(3);
  OPBRIDGE_REQUIRE(a_indices.rank() == 2, "Input a_indices should be a matrix but received shape: ",
                   ShapeText(a_indices.shape()));
  OPBRIDGE_REQUIRE(a_values.rank() == 1 && a_shape.rank() == 1,
                   "Inputs a_values and a_shape should be vectors but received shapes: ", ShapeText(a_values.shape()),
                   " and ", ShapeText(a_shape.shape()));
  const int64_t nnz = a_indices.dim(0), ndims = a_indices.dim(1);
  OPBRIDGE_REQUIRE(a_values.dim(0) == nnz, "Dimensions ", nnz, " and ", a_values.dim(0), " are not compatible");
  OPBRIDGE_REQUIRE(a_shape.dim(0) == ndims, "Dimensions ", ndims, " and ", a_shape.dim(0), " are not compatible");
  OPBRIDGE_REQUIRE(a_shape.num_elements() == b.rank(), "Two operands have different ranks; received: ",
                   a_shape.num_elements(), " and ", b.rank());
  const std::vector<int64_t> shape = sparse::ReadInt64s(a_shape);
  for (int i = 0; i < b.rank(); ++i) {
    OPBRIDGE_REQUIRE(shape[static_cast<size_t>(i)] == b.dim(i), "Dimension ", i,
                     " does not equal (no broadcasting is supported): sparse side ", shape[static_cast<size_t>(i)],
                     " vs dense side ", b.dim(i));
  }
  const std::vector<int64_t> ix = sparse::ReadInt64s(a_indices);
  for (int64_t z = 0; z < nnz; ++z) {
    for (int64_t d = 0; d < ndims; ++d) {
      const int64_t idx = ix[static_cast<size_t>(z * ndims + d)];
      OPBRIDGE_REQUIRE(idx >= 0 && idx < shape[static_cast<size_t>(d)], "Sparse tensor has an invalid index on dimension ",
                       d, ": a_indices(", z, ",", d, ") = ", idx, ", dense tensor shape: ",
                       sparse::JoinDims(shape.data(), ndims, " "));
    }
  }
  OPBRIDGE_REQUIRE(ndims >= 1 && ndims <= 5,
                   "Only tensors with ranks between 1 and 5 are currently supported.  Tensor rank: ", ndims);
  std::vector<int64_t> strides(static_cast<size_t>(ndims), 1);
  for (int64_t d = ndims - 2; d >= 0; --d) {
    strides[static_cast<size_t>(d)] = strides[static_cast<size_t>(d + 1)] * b.dim(static_cast<int>(d + 1));
  }
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(
      a_values.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        T* out = ctx.output(0).data<T>();
        if (b.num_elements()) std::memcpy(out, b.data<T>(), static_cast<size_t>(b.num_elements()) * sizeof(T));
        const T* v = a_values.data<T>();
        for (int64_t z = 0; z < nnz; ++z) {
          int64_t at = 0;
          for (int64_t d = 0; d < ndims; ++d) at += ix[static_cast<size_t>(z * ndims + d)] * strides[static_cast<size_t>(d)];
          AddInto(out[at], v[z]);
        }
        return Status::Ok();
      });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseTensorDenseAdd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A dense tensor plus a SparseTensor of its shape (tf.sparse.add(sparse, dense)).")
                         .Input("a_indices: Tindices")
                         .Input("a_values: T")
                         .Input("a_shape: Tindices")
                         .Input("b: T")
                         .Output("output: T")
                         .Attr("T: {bfloat16, half, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, complex64, complex128}")
                         .Attr("Tindices: {int32, int64}")
                         .ShapeRule(DenseAddShape)
                         .Kernel(DenseAddKernel));

}  // namespace opbridge
