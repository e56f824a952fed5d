// MatrixSquareRoot: the principal square root X (X X = A) of each square
// matrix in a batch (tf.linalg.sqrtm). TFLite has no kernel: the converter
// emits CUSTOM "MatrixSquareRoot" with options {T}.
//
// As TF's CPU kernel: Eigen's MatrixFunctions sqrt() of a row-major copy:
// a (real or complex) Schur decomposition, the square root of the
// triangular factor, transformed back (matrix_functions.h); with AVX2 the
// isolated build of it (matrix_functions_avx2.cc: TF's packet width). For a real matrix with a negative
// real eigenvalue there is no real square root and the result holds NaN, as
// in TF; NaN input gives NaN. Never an error for a square input.
#include "linalg_common.h"
#include "matrix_functions.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status MatrixSquareRootShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

template <typename T>
Status SquareRoots(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  // Schur (~25 n^3) dominates; the triangular root and back-transform add a few n^3.
  ctx.ParallelFor(batch, MatrixCost(30.0 * n * n * n), [&](int64_t begin, int64_t end) {
    ApplyMatrixFunction<MatrixFunction::kSquareRoot, T>(input.data<T>() + begin * n * n, end - begin, n,
                                                        ctx.output(0).data<T>() + begin * n * n);
  });
  return Status::Ok();
}

Status MatrixSquareRootKernel(KernelContext& ctx) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return SquareRoots<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixSquareRoot")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Principal square root of each square matrix in a batch (tf.linalg.sqrtm).")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(MatrixSquareRootShape)
                         .Kernel(MatrixSquareRootKernel));

}  // namespace
}  // namespace opbridge
