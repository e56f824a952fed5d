// Lu: TF's tf.linalg.lu. TFLite has no kernel: the converter emits CUSTOM
// "Lu" with {T, output_idx_type}; outputs lu (L below the diagonal with an
// implicit unit diagonal, U on and above it) and p (row i of P * A is row
// p[i] of A), p in int32 or int64.
//
// As TF's CPU kernel: Eigen's PartialPivLU on a *column-major* copy of each
// matrix (TF's choice; the row-major map MatrixInverse uses would block the
// factorization differently for n > 16), which pivots on the entry of
// largest magnitude, the first on ties; p is the transpose of Eigen's P.
// Eigen comes from TF's own headers, so the pivots and factors are TF's.
// A matrix with an exactly zero pivot (after denormals are flushed, as in
// TF) is an error, "Input is not invertible." as TF says; which matrix is
// added. Empty matrices give empty outputs.
#include <Eigen/Core>
#include <Eigen/LU>
#include <complex>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status LuShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (in.rank_known()) {
    OPBRIDGE_REQUIRE(in.rank() >= 2, "Input tensor must have rank >= 2, got ", in.rank(), " (input '",
                     ctx.input_name(0), "' has shape ", in.ToString(), ")");
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-2) == kUnknownDim || in.dim(-1) == in.dim(-2),
                     "Input matrix must be square. (input '", ctx.input_name(0), "' has shape ", in.ToString(),
                     ")");
  }
  ctx.set_output(0, in);
  ctx.set_output(1, WithBatch(in, {DimFromEnd(in, 1)}));
  return Status::Ok();
}

template <typename T, typename Index>
Status Factor(KernelContext& ctx) {
  using Real = typename Eigen::NumTraits<T>::Real;
  using ColMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  FailureLog singular(batch);
  ctx.ParallelFor(batch, MatrixCost(2.0 / 3.0 * static_cast<double>(n) * n * n), [&](int64_t begin, int64_t end) {
    Eigen::PartialPivLU<ColMatrix> lu(n);
    for (int64_t b = begin; b < end; ++b) {
      lu.compute(MatrixAt<T>(input, b, n, n));
      MatrixAt<T>(ctx.output(0), b, n, n) = lu.matrixLU();
      const Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, Index> p = lu.permutationP().transpose();
      Eigen::Map<Eigen::Matrix<Index, Eigen::Dynamic, 1>>(ctx.output(1).data<Index>() + b * n, n) = p.indices();
      // TF's test, with Eigen's minCoeff (a NaN pivot passes or fails as in TF).
      const Real min_abs_pivot = lu.matrixLU().diagonal().cwiseAbs().minCoeff();
      if (!(min_abs_pivot > Real(0))) singular.Mark(b);
    }
  });
  const int64_t first = singular.First();
  OPBRIDGE_REQUIRE(first < 0, "Input is not invertible. (matrix ", first, " of ", batch, " in input '",
                   input.name(), "' has a zero pivot)");
  return Status::Ok();
}

Status LuKernel(KernelContext& ctx) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(), [&](auto index_tag) {
      return Factor<T, typename decltype(index_tag)::type>(ctx);
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Lu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("LU factorization with partial pivoting of each square matrix in a batch "
                              "(tf.linalg.lu): packed L and U, and the row permutation p.")
                         .Input("input: T")
                         .Output("lu: T")
                         .Output("p: output_idx_type")
                         .Attr("T: {double, float, complex64, complex128}")
                         .Attr("output_idx_type: {int32, int64} = DT_INT32")
                         .ShapeRule(LuShape)
                         .Kernel(LuKernel));

}  // namespace
}  // namespace opbridge
