// MatrixSolve: X with A X = B (or A^H X = B with adjoint) for each square A
// and right-hand sides B in a batch (tf.linalg.solve). TFLite has no kernel:
// the converter emits CUSTOM "MatrixSolve" with options {T, adjoint}.
//
// As TF's CPU kernel: no broadcasting (matrix and rhs have the same batch
// dims), Eigen's partial-pivot LU of A (or A^H) on a row-major map, TF's
// singularity test (an exactly-zero pivot is "Input matrix is not
// invertible."; a NaN pivot passes, giving NaN) and an empty solution when
// A or B is empty.
#include <memory>

#include "linalg_common.h"
#include "opbridge/op.h"
#include "solve_batch.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct SolveParams {
  bool adjoint = false;

  static void Declare(ParamBinder& b, SolveParams& p) { b.Attr("adjoint: bool = false", &p.adjoint); }
};

Status MatrixSolveShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(1, 2));
  const Shape& matrix = ctx.input(0);
  const Shape& rhs = ctx.input(1);
  if (matrix.rank_known() && rhs.rank_known()) {
    OPBRIDGE_REQUIRE(matrix.rank() == rhs.rank(), "inputs 'matrix' ", matrix.ToString(), " and 'rhs' ",
                     rhs.ToString(), " must have the same rank (MatrixSolve does not broadcast)");
    for (int i = 0; i < matrix.rank() - 2; ++i) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, i, 1, i));
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, -2, 1, -2));
  ctx.set_output(0, WithBatch(matrix, {DimFromEnd(matrix, 1), DimFromEnd(rhs, 1)}));
  return Status::Ok();
}

template <typename T>
Status Solve(KernelContext& ctx, const SolveParams& p) {
  const ConstTensor& matrix = ctx.input(0);
  const ConstTensor& rhs = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t n = matrix.dim(-1);
  const int64_t k = rhs.dim(-1);
  if (n == 0 || k == 0) return Status::Ok();
  const int64_t batch = BatchSize(matrix.shape());
  const bool adjoint = p.adjoint;

  std::unique_ptr<bool[]> singular(new bool[static_cast<size_t>(batch)]());
  ctx.ParallelFor(batch, MatrixCost(static_cast<double>(n) * n * (n + k)), [&](int64_t begin, int64_t end) {
    RunSolveSystems<T>(matrix.data<T>() + begin * n * n, rhs.data<T>() + begin * n * k,
                       output.data<T>() + begin * n * k, end - begin, n, k, adjoint, singular.get() + begin);
  });
  // The first failing matrix, as TF's first failing shard reports.
  int64_t bad = -1;
  for (int64_t b = 0; b < batch && bad < 0; ++b) {
    if (singular[static_cast<size_t>(b)]) bad = b;
  }
  OPBRIDGE_REQUIRE(bad < 0, "Input matrix is not invertible. (matrix ", bad, " of ", batch, " in input '",
                   matrix.name(), "' has a zero pivot)");
  return Status::Ok();
}

Status MatrixSolveKernel(KernelContext& ctx, const SolveParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Solve<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixSolve")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Solves A X = B (adjoint: A^H X = B) for each square A and right-hand sides B in a "
                              "batch (tf.linalg.solve).")
                         .Input("matrix: T")
                         .Input("rhs: T")
                         .Output("output: T")
                         .Params<SolveParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(MatrixSolveShape)
                         .Kernel(MatrixSolveKernel));

}  // namespace
}  // namespace opbridge
