// Cholesky: lower-triangular L with L L^H = A for each matrix in a batch
// (tf.linalg.cholesky). TFLite has no kernel: the converter emits CUSTOM
// "Cholesky" with options {T}.
//
// As TF's CPU kernel: Eigen's LLT on a row-major map, which reads only the
// lower triangle of A. When the factorization fails (A not positive
// definite) TF does not raise an error: it logs a warning and fills the lower
// triangle of that matrix's output with Eigen's quiet_NaN(), which is NaN for
// real T and 0 for complex T (measured with TF 2.21). We do the same; TF
// leaves the strict upper triangle of a failed matrix uninitialized, we write
// zeros there. A NaN that LLT's positivity test does
// not catch propagates as NaN, as in TF. An empty matrix gives an empty L.
#include "cholesky_batch.h"
#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status CholeskyShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

template <typename T>
Status Factor(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  ctx.ParallelFor(batch, MatrixCost(static_cast<double>(n) * n * n / 3), [&](int64_t begin, int64_t end) {
    RunFactorCholesky<T>(input.data<T>() + begin * n * n, output.data<T>() + begin * n * n, end - begin, n);
  });
  return Status::Ok();
}

Status CholeskyKernel(KernelContext& ctx) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Factor<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cholesky")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cholesky factor L (lower, L L^H = A) of each Hermitian positive definite matrix in "
                              "a batch (tf.linalg.cholesky); NaN in the lower triangle where it fails, as TF.")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(CholeskyShape)
                         .Kernel(CholeskyKernel));

}  // namespace
}  // namespace opbridge
