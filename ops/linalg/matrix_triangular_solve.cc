// MatrixTriangularSolve: X with A X = B for triangular A (lower or upper
// triangle of the input; A^H with adjoint) in a batch
// (tf.linalg.triangular_solve). TFLite has no kernel: the converter emits
// CUSTOM "MatrixTriangularSolve" with options {T, adjoint, lower}.
//
// As TF's CPU kernel: the batch dims of matrix and rhs broadcast as in numpy
// (MatMulBCast: [5,1,3,3] with [2,3,4] gives [5,2,3,4]); only the chosen
// triangle is read; Eigen's triangular solve on row-major maps. No
// singularity check: a zero on the diagonal gives inf/NaN, as in TF.
#include "batch_broadcast.h"
#include "linalg_common.h"
#include "opbridge/op.h"
#include "triangular_solve_batch.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct TriangularSolveParams {
  bool lower = true;
  bool adjoint = false;

  static void Declare(ParamBinder& b, TriangularSolveParams& p) {
    b.Attr("lower: bool = true", &p.lower);
    b.Attr("adjoint: bool = false", &p.adjoint);
  }
};

Status MatrixTriangularSolveShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(1, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, -1, 1, -2));
  const Shape& matrix = ctx.input(0);
  const Shape& rhs = ctx.input(1);
  if (!matrix.rank_known() || !rhs.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_REQUIRE(BroadcastBatchDims(BatchShape(matrix), BatchShape(rhs), &out),
                   "inputs 'matrix' and 'rhs' must have compatible batch dimensions: ", BatchShape(matrix).ToString(),
                   " vs. ", BatchShape(rhs).ToString());
  out.Append(matrix.dim(-1));
  out.Append(rhs.dim(-1));
  ctx.set_output(0, out);
  return Status::Ok();
}

template <typename T>
Status TriangularSolve(KernelContext& ctx, const TriangularSolveParams& p) {
  const ConstTensor& matrix = ctx.input(0);
  const ConstTensor& rhs = ctx.input(1);
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  const int64_t n = matrix.dim(-1);
  const int64_t k = rhs.dim(-1);
  const Shape out_batch = BatchShape(output.shape());
  const Shape matrix_batch = BatchShape(matrix.shape());
  const Shape rhs_batch = BatchShape(rhs.shape());
  const bool lower = p.lower;
  const bool adjoint = p.adjoint;
  ctx.ParallelFor(BatchSize(output.shape()), MatrixCost(static_cast<double>(n) * n * k / 2),
                  [&](int64_t begin, int64_t end) {
                    for (int64_t b = begin; b < end; ++b) {
                      const T* a = matrix.data<T>() + SourceIndex(b, out_batch, matrix_batch) * n * n;
                      const T* r = rhs.data<T>() + SourceIndex(b, out_batch, rhs_batch) * n * k;
                      RunSolveTriangular<T>(a, r, output.data<T>() + b * n * k, n, k, lower, adjoint);
                    }
                  });
  return Status::Ok();
}

Status MatrixTriangularSolveKernel(KernelContext& ctx, const TriangularSolveParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return TriangularSolve<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixTriangularSolve")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Solves A X = B (adjoint: A^H X = B) for triangular A, lower or upper, with "
                              "broadcast batch dims (tf.linalg.triangular_solve).")
                         .Input("matrix: T")
                         .Input("rhs: T")
                         .Output("output: T")
                         .Params<TriangularSolveParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(MatrixTriangularSolveShape)
                         .Kernel(MatrixTriangularSolveKernel));

}  // namespace
}  // namespace opbridge
