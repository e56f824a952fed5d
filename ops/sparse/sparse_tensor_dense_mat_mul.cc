// SparseTensorDenseMatMul: tf.sparse.sparse_dense_matmul, product = op(A) @
// op(B) with A a 2-D SparseTensor, op the adjoint (conjugate transpose) when
// adjoint_a / adjoint_b. TFLite has no kernel.
//
// As TF's CPU kernel (sparse_tensor_dense_matmul_op.cc):
// - checks in TF's order and words: b a matrix, a_shape a vector of 2,
//   a_values a vector, a_indices a matrix of a_values' rows and a_shape's
//   columns, the inner dims equal ("Did you forget a transpose?");
// - an empty product is returned as it is, no entry or an empty b gives
//   zeros, both before any index is looked at;
// - the entries are taken in their order (unsorted and repeated ones too);
//   each checks its k then its m ("k (7) from index[3,1] out of bounds
//   (>=5)") and adds a * op(B)[k, :] to row m of the product, element by
//   element: every output element sums its products in the entries' order,
//   starting from zero, the product rounded before the sum (no FMA: TF's x86
//   build has none, nor has this one); half products and sums in float,
//   rounded once at the end (TF sums half in float: measured, per-operation
//   rounding differs in half the elements), bfloat16 rounded at each step;
//   complex products (re*re - im*im, re*im + im*re), int32 wrapping. So
//   TF's bits for finite values.
// Threads (TF's kernel has one): the product's rows are split between them,
// each walking every entry and keeping its own rows', so each element sees
// its products in the same order.
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

struct MatMulParams {
  bool adjoint_a = false;
  bool adjoint_b = false;

  static void Declare(ParamBinder& b, MatMulParams& p) {
    b.Attr("adjoint_a: bool = false", &p.adjoint_a);
    b.Attr("adjoint_b: bool = false", &p.adjoint_b);
  }
};

template <typename T>
T Conj(T x) {
  if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
    return std::conj(x);
  } else {
    return x;
  }
}

// The type TF sums T in: float for half; bfloat16 in bfloat16 (each
// product and sum rounded, as Eigen's bfloat16 operators: measured).
template <typename T>
using Acc = std::conditional_t<std::is_same_v<T, Eigen::half>, float, T>;

// acc += a * b, as TF's Eigen arithmetic does it for T.
template <typename T>
inline void MulAdd(T& acc, T a, T b) {
  if constexpr (std::is_same_v<T, int32_t>) {
    acc = static_cast<int32_t>(static_cast<uint32_t>(acc) + static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
  } else if constexpr (std::is_same_v<T, std::complex<float>> || std::is_same_v<T, std::complex<double>>) {
    using R = typename T::value_type;
    const R re = a.real() * b.real() - a.imag() * b.imag();
    const R im = a.real() * b.imag() + a.imag() * b.real();
    acc = T(acc.real() + re, acc.imag() + im);
  } else {
    acc = acc + a * b;
  }
}

template <typename T, typename Index>
Status Multiply(KernelContext& ctx, const MatMulParams& p, int64_t out_rows, int64_t out_cols, int64_t inner) {
  const ConstTensor& a_indices = ctx.input(0);
  const ConstTensor& b = ctx.input(3);
  const Index* ix = a_indices.data<Index>();
  const T* a = ctx.input(1).data<T>();
  const T* bd = b.data<T>();
  const int64_t nnz = a_indices.dim(0);
  const int lhs = p.adjoint_a ? 1 : 0, rhs = 1 - lhs;
  using A = Acc<T>;
  constexpr bool kWiden = !std::is_same_v<A, T>;
  std::vector<A> wide(kWiden ? static_cast<size_t>(out_rows * out_cols) : 0);
  A* out = nullptr;
  if constexpr (kWiden) {
    out = wide.data();
  } else {
    out = ctx.output(0).data<T>();
  }
  // The whole product is zero first, as TF's setZero.
  for (int64_t i = 0; i < out_rows * out_cols; ++i) out[i] = A(0);
  for (int64_t i = 0; i < nnz; ++i) {
    const int64_t m = ix[i * 2 + lhs], k = ix[i * 2 + rhs];
    OPBRIDGE_REQUIRE(k >= 0 && k < inner, "k (", k, ") from index[", i, ",", rhs, "] out of bounds (>=", inner, ")");
    OPBRIDGE_REQUIRE(m >= 0 && m < out_rows, "m (", m, ") from index[", i, ",", lhs, "] out of bounds (>=", out_rows,
                     ")");
  }
  const auto run = [&](int64_t row_begin, int64_t row_end) {
    for (int64_t i = 0; i < nnz; ++i) {
      const int64_t m = ix[i * 2 + lhs];
      if (m < row_begin || m >= row_end) continue;
      const int64_t k = ix[i * 2 + rhs];
      const A av = static_cast<A>(p.adjoint_a ? Conj(a[i]) : a[i]);
      A* o = out + m * out_cols;
      if (p.adjoint_b) {
        for (int64_t n = 0; n < out_cols; ++n) MulAdd<A>(o[n], av, static_cast<A>(Conj(bd[n * inner + k])));
      } else {
        const T* row = bd + k * out_cols;
        for (int64_t n = 0; n < out_cols; ++n) MulAdd<A>(o[n], av, static_cast<A>(row[n]));
      }
    }
  };
  const int64_t work = nnz * out_cols;
  if (ctx.num_threads() <= 1 || work < 32768 || out_rows < 2) {
    run(0, out_rows);
  } else {
    ctx.ParallelFor(out_rows, std::max<int64_t>(1, work / out_rows) + nnz / out_rows + 1, run);
  }
  if constexpr (kWiden) {
    T* result = ctx.output(0).data<T>();
    for (int64_t i = 0; i < out_rows * out_cols; ++i) result[i] = static_cast<T>(out[i]);
  }
  return Status::Ok();
}

Status MatMulShape(ShapeContext& ctx, const MatMulParams&) {
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status MatMulKernel(KernelContext& ctx, const MatMulParams& p) {
  const ConstTensor& a_indices = ctx.input(0);
  const ConstTensor& a_values = ctx.input(1);
  const ConstTensor& a_shape = ctx.input(2);
  const ConstTensor& b = ctx.input(3);
  OPBRIDGE_REQUIRE(b.rank() == 2, "Tensor 'b' is not a matrix");
  OPBRIDGE_REQUIRE(a_shape.rank() == 1, "Tensor 'a_shape' is not a vector");
  OPBRIDGE_REQUIRE(a_shape.num_elements() == 2, "Tensor 'a_shape' must have 2 elements");
  OPBRIDGE_REQUIRE(a_values.rank() == 1, "Tensor 'a_values' is not a vector");
  OPBRIDGE_REQUIRE(a_indices.rank() == 2, "Tensor 'a_indices' is not a matrix");
  OPBRIDGE_REQUIRE(a_indices.dim(0) == a_values.num_elements(),
                   "Number of rows of a_indices does not match number of entries in a_values");
  OPBRIDGE_REQUIRE(a_indices.dim(1) == a_shape.num_elements(),
                   "Number of columns of a_indices does not match number of entries in a_shape");
  const int64_t* shape = a_shape.data<int64_t>();
  const int64_t out_rows = p.adjoint_a ? shape[1] : shape[0];
  const int64_t out_cols = p.adjoint_b ? b.dim(0) : b.dim(1);
  const int64_t inner_left = p.adjoint_a ? shape[0] : shape[1];
  const int64_t inner_right = p.adjoint_b ? b.dim(1) : b.dim(0);
  OPBRIDGE_REQUIRE(inner_left == inner_right, "Cannot multiply A and B because inner dimension does not match: ",
                   inner_left, " vs. ", inner_right, ".  Did you forget a transpose?  Dimensions of A: [", shape[0],
                   ", ", shape[1], ").  Dimensions of B: ", sparse::ShapeText(b.shape()));
  // TF's TensorShape refuses (aborts on) a negative size; an error here.
  OPBRIDGE_REQUIRE(out_rows >= 0, "a_shape must not be negative, got [", shape[0], ", ", shape[1], "]");
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({out_rows, out_cols})));
  if (out_rows == 0 || out_cols == 0) return Status::Ok();
  return math::DispatchElement<float, double, int32_t, Eigen::half, Eigen::bfloat16, std::complex<float>,
                               std::complex<double>>(a_values.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (a_values.num_elements() == 0 || b.num_elements() == 0) {
      T* out = ctx.output(0).data<T>();
      for (int64_t i = 0; i < out_rows * out_cols; ++i) out[i] = T(0);
      return Status::Ok();
    }
    if (a_indices.dtype() == DType::kInt32) return Multiply<T, int32_t>(ctx, p, out_rows, out_cols, inner_left);
    return Multiply<T, int64_t>(ctx, p, out_rows, out_cols, inner_left);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseTensorDenseMatMul")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A 2-D SparseTensor times a dense matrix, either adjoint (tf.sparse.sparse_dense_matmul).")
                         .Input("a_indices: Tindices")
                         .Input("a_values: T")
                         .Input("a_shape: int64")
                         .Input("b: T")
                         .Output("product: T")
                         .Attr("T: {bfloat16, half, float, double, int32, complex64, complex128}")
                         .Attr("Tindices: {int32, int64} = DT_INT64")
                         .Params<MatMulParams>()
                         .ShapeRule(MatMulShape)
                         .Kernel(MatMulKernel));

}  // namespace opbridge
