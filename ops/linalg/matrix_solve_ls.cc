// MatrixSolveLs: the least-squares solutions X of A X = B for each [m, n]
// matrix A and [m, k] right-hand sides B in a batch (tf.linalg.lstsq). TFLite
// has no kernel: the converter emits CUSTOM "MatrixSolveLs" with options
// {T, fast}; l2_regularizer is the scalar double input 2.
//
// As TF's CPU kernel (a LinearAlgebraOp): no broadcasting (equal ranks and
// batch dims), the same matrix shape checks and messages, and per matrix:
// - fast: the normal equations by Cholesky of the lower Gramian, TF's Eigen
//   expressions in TF's order (matrix_solve_ls_batch.h); a failed
//   factorization (rank deficient, or not positive definite in rounding) is
//   TF's "Input matrix was rank deficient or ill-conditioned" error, whose
//   advice differs for m >= n and m < n. A NaN passes (Eigen's test is
//   x <= 0) and gives NaN.
// - not fast: Eigen's CompleteOrthogonalDecomposition solve, the
//   minimum-norm solution even when A is rank deficient; l2 is ignored
//   (still validated).
// l2_regularizer must be a scalar >= 0 (NaN fails), checked when there is a
// matrix to solve, as TF checks it per matrix. m == 0 (but n, k > 0): TF
// returns its output buffer unwritten (uninitialized memory); we write zeros,
// the minimum-norm solution of no equations.
#include <algorithm>

#include "linalg_common.h"
#include "matrix_solve_ls_batch.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct SolveLsParams {
  bool fast = true;

  static void Declare(ParamBinder& b, SolveLsParams& p) { b.Attr("fast: bool = true", &p.fast); }
};

Status MatrixSolveLsShape(ShapeContext& ctx, const SolveLsParams&) {
  const Shape& matrix = ctx.input(0);
  const Shape& rhs = ctx.input(1);
  for (int i = 0; i < 2; ++i) {
    const Shape& s = ctx.input(i);
    OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() >= 2, "Input tensor ", i, " must have rank >= 2, got ",
                     s.rank(), " ('", ctx.input_name(i), "' ", s.ToString(), ")");
  }
  if (matrix.rank_known() && rhs.rank_known()) {
    OPBRIDGE_REQUIRE(matrix.rank() == rhs.rank(), "All input tensors must have the same rank. ('matrix' ",
                     matrix.ToString(), ", 'rhs' ", rhs.ToString(), ")");
    for (int i = 0; i < matrix.rank() - 2; ++i) {
      const int64_t a = matrix.dim(i), b = rhs.dim(i);
      OPBRIDGE_REQUIRE(a < 0 || b < 0 || a == b, "All input tensors must have the same outer dimensions. ('matrix' ",
                       matrix.ToString(), ", 'rhs' ", rhs.ToString(), ")");
    }
  }
  const int64_t m = DimFromEnd(matrix, 2), rows = DimFromEnd(rhs, 2);
  OPBRIDGE_REQUIRE(m < 0 || rows < 0 || m == rows, "Input matrix and rhs are incompatible. ('matrix' ",
                   matrix.ToString(), ", 'rhs' ", rhs.ToString(), ")");
  const Shape& l2 = ctx.input(2);
  OPBRIDGE_REQUIRE(!l2.rank_known() || l2.rank() == 0, "l2_regularizer must be scalar, got shape ", l2.ToString());
  ctx.set_output(0, WithBatch(matrix, {DimFromEnd(matrix, 1), DimFromEnd(rhs, 1)}));
  return Status::Ok();
}

template <typename T>
Status SolveLs(KernelContext& ctx, const SolveLsParams& p) {
  const ConstTensor& matrix = ctx.input(0);
  const ConstTensor& rhs = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t m = matrix.dim(-2), n = matrix.dim(-1), k = rhs.dim(-1);
  const int64_t batch = BatchSize(matrix.shape());
  if (batch == 0) return Status::Ok();  // TF validates l2 per matrix: none here
  const double l2 = ctx.input(2).data<double>()[0];
  OPBRIDGE_REQUIRE(l2 >= 0, "l2_regularizer must be >= 0. (got ", l2, ")");
  if (n == 0 || k == 0) return Status::Ok();
  T* out = output.data<T>();
  if (m == 0) {
    std::fill(out, out + batch * n * k, T(0));
    return Status::Ok();
  }
  const bool fast = p.fast;
  const double mn = static_cast<double>(std::min(m, n));
  const double cost = static_cast<double>(std::max(m, n)) * mn * (mn + static_cast<double>(k));
  FailureLog failures(batch);
  const T* a = matrix.data<T>();
  const T* b = rhs.data<T>();
  ctx.ParallelFor(batch, MatrixCost(cost), [&](int64_t begin, int64_t end) {
    const int64_t bad = RunSolveLeastSquares<T>(a + begin * m * n, b + begin * m * k, out + begin * n * k,
                                                end - begin, m, n, k, fast, l2);
    if (bad >= 0) failures.Mark(begin + bad);
  });
  const int64_t bad = failures.First();
  OPBRIDGE_REQUIRE(bad < 0, "Input matrix was rank deficient or ill-conditioned. Try setting fast=False or provide ",
                   m >= n ? "a larger l2_regularizer > 0." : "an l2_regularizer > 0.", " (matrix ", bad, " of ",
                   batch, " in input '", matrix.name(), "': its Gramian is not positive definite)");
  return Status::Ok();
}

Status MatrixSolveLsKernel(KernelContext& ctx, const SolveLsParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return SolveLs<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixSolveLs")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Least-squares solutions of A X = B for each [m, n] A and [m, k] B in a batch "
                              "(tf.linalg.lstsq): Cholesky of the normal equations (fast) or a complete orthogonal "
                              "decomposition.")
                         .Input("matrix: T")
                         .Input("rhs: T")
                         .Input("l2_regularizer: double")
                         .Output("output: T")
                         .Attr("T: {double, float, complex64, complex128}")
                         .Params<SolveLsParams>()
                         .ShapeRule(MatrixSolveLsShape)
                         .Kernel(MatrixSolveLsKernel));

}  // namespace
}  // namespace opbridge
