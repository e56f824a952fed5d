// MatrixLogarithm: the principal logarithm X (exp(X) = A) of each square
// complex matrix in a batch (tf.linalg.logm). TFLite has no kernel: the
// converter emits CUSTOM "MatrixLogarithm" with options {T}.
//
// As TF's CPU kernel: Eigen's MatrixFunctions log() of a row-major copy
// (matrix_functions.h); with AVX2 the isolated build of it
// (matrix_functions_avx2.cc: TF's packet width, and TF's bits in
// complex128). TF registers complex64 and complex128 only: for a real matrix Eigen would return just the real part of the
// logarithm, wrong whenever an eigenvalue is negative. A negative real
// eigenvalue gives the principal branch (imaginary part pi); a singular
// matrix or NaN input gives NaN entries, never an error, as in TF.
#include "linalg_common.h"
#include "matrix_functions.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status MatrixLogarithmShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

template <typename T>
Status Logarithms(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  // Complex Schur (~25 n^3 complex flops, ~4 real each) dominates; the
  // square roots and Pade steps on the triangle add a few n^3 more.
  ctx.ParallelFor(batch, MatrixCost(4.0 * 40.0 * n * n * n), [&](int64_t begin, int64_t end) {
    ApplyMatrixFunction<MatrixFunction::kLogarithm, T>(input.data<T>() + begin * n * n, end - begin, n,
                                                       ctx.output(0).data<T>() + begin * n * n);
  });
  return Status::Ok();
}

Status MatrixLogarithmKernel(KernelContext& ctx) {
  return Dispatch<std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Logarithms<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixLogarithm")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Principal logarithm of each square complex matrix in a batch (tf.linalg.logm).")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: {complex64, complex128}")
                         .ShapeRule(MatrixLogarithmShape)
                         .Kernel(MatrixLogarithmKernel));

}  // namespace
}  // namespace opbridge
