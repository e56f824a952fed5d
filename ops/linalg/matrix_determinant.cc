// MatrixDeterminant: determinant of each square matrix in a batch
// (tf.linalg.det). TFLite has no kernel: the converter emits CUSTOM
// "MatrixDeterminant" with options {T}.
//
// As TF's CPU kernel: det = sign * exp(log|det|) from a partial-pivot LU
// (slogdet.h), so a determinant beyond the float range is +-inf, a singular
// matrix gives 0 (-0.0 after an odd row permutation), NaN gives NaN, and an
// empty matrix's determinant is 1. Never an error for a square input.
#include <cmath>
#include <vector>

#include "linalg_common.h"
#include "opbridge/op.h"
#include "slogdet.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status MatrixDeterminantShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, BatchShape(ctx.input(0)));
  return Status::Ok();
}

template <typename T>
Status Determinants(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  const int64_t batch = BatchSize(input.shape());
  T* out = ctx.output(0).data<T>();
  using Real = typename Eigen::NumTraits<T>::Real;
  ctx.ParallelFor(batch, MatrixCost(static_cast<double>(n) * n * n), [&](int64_t begin, int64_t end) {
    std::vector<T> sign(static_cast<size_t>(end - begin));
    std::vector<Real> log_abs(sign.size());
    RunSignAndLogAbsDets<T>(input.data<T>() + begin * n * n, end - begin, n, sign.data(), log_abs.data());
    for (int64_t b = begin; b < end; ++b) {
      out[b] = sign[static_cast<size_t>(b - begin)] * std::exp(log_abs[static_cast<size_t>(b - begin)]);
    }
  });
  return Status::Ok();
}

Status MatrixDeterminantKernel(KernelContext& ctx) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Determinants<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("MatrixDeterminant")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Determinant of each square matrix in a batch (tf.linalg.det).")
                         .Input("input: T")
                         .Output("output: T")
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(MatrixDeterminantShape)
                         .Kernel(MatrixDeterminantKernel));

}  // namespace
}  // namespace opbridge
