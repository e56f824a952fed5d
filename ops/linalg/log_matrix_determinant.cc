// LogMatrixDeterminant: sign and log|det| of each square matrix in a batch
// (tf.linalg.slogdet). TFLite has no kernel: the converter emits CUSTOM
// "LogMatrixDeterminant" with options {T}.
//
// As TF's CPU kernel (slogdet.h): partial-pivot LU; a singular matrix gives
// sign 0 and log -inf, NaN gives NaN, an empty matrix sign 1 and log 0. For
// complex T, sign is a unit complex number and log|det| is real, stored as T.
#include <vector>

#include "linalg_common.h"
#include "opbridge/op.h"
#include "slogdet.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status LogMatrixDeterminantShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, BatchShape(ctx.input(0)));
  ctx.set_output(1, BatchShape(ctx.input(0)));
  return Status::Ok();
}

template <typename T>
Status LogDeterminants(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  const int64_t batch = BatchSize(input.shape());
  T* sign = ctx.output(0).data<T>();
  T* log_abs_det = ctx.output(1).data<T>();
  using Real = typename Eigen::NumTraits<T>::Real;
  ctx.ParallelFor(batch, MatrixCost(static_cast<double>(n) * n * n), [&](int64_t begin, int64_t end) {
    std::vector<Real> log_abs(static_cast<size_t>(end - begin));
    RunSignAndLogAbsDets<T>(input.data<T>() + begin * n * n, end - begin, n, sign + begin, log_abs.data());
    for (int64_t b = begin; b < end; ++b) log_abs_det[b] = T(log_abs[static_cast<size_t>(b - begin)]);
  });
  return Status::Ok();
}

Status LogMatrixDeterminantKernel(KernelContext& ctx) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return LogDeterminants<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("LogMatrixDeterminant")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sign and log of the absolute determinant of each square matrix in a batch "
                              "(tf.linalg.slogdet).")
                         .Input("input: T")
                         .Output("sign: T")
                         .Output("log_abs_determinant: T")
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(LogMatrixDeterminantShape)
                         .Kernel(LogMatrixDeterminantKernel));

}  // namespace
}  // namespace opbridge
