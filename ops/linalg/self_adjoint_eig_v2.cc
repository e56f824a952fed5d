// SelfAdjointEigV2: eigenvalues e (ascending) and, with compute_v,
// eigenvectors v (columns) of each Hermitian matrix in a batch
// (tf.linalg.eigh, tf.linalg.eigvalsh). TFLite has no kernel: the converter
// emits CUSTOM "SelfAdjointEigV2" with options {T, compute_v}.
//
// As TF's CPU kernel: Eigen's SelfAdjointEigenSolver on a row-major map
// (tridiagonalization + implicit symmetric QR; it reads the lower triangle),
// so eigenvectors carry the same signs as TF's for the same input; an
// eigenvector is unique only up to sign (a phase for complex T), and within
// a repeated eigenvalue only the eigenspace is. When the solver fails (NaN or
// inf input) TF raises "Self-adjoint eigen decomposition was not successful.
// The input might not be valid."; so do we. Without compute_v, v is a [0]
// tensor as TF's shape function says. e has type T.
#include <Eigen/Eigenvalues>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct EigParams {
  bool compute_v = true;

  static void Declare(ParamBinder& b, EigParams& p) { b.Attr("compute_v: bool = true", &p.compute_v); }
};

Status SelfAdjointEigV2Shape(ShapeContext& ctx, const EigParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  const Shape& input = ctx.input(0);
  const int64_t n = DimFromEnd(input, 1);
  ctx.set_output(0, WithBatch(input, {n}));
  ctx.set_output(1, p.compute_v ? WithBatch(input, {n, n}) : Shape({0}));
  return Status::Ok();
}

template <typename T>
Status Eigendecompose(KernelContext& ctx, const EigParams& p) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  if (n == 0) return Status::Ok();
  const int64_t batch = BatchSize(input.shape());
  const bool compute_v = p.compute_v;
  T* e_out = ctx.output(0).data<T>();
  FailureLog failed(batch);
  const double flops = (compute_v ? 9.0 : 4.0 / 3) * n * n * n;
  ctx.ParallelFor(batch, MatrixCost(flops), [&](int64_t begin, int64_t end) {
    Eigen::SelfAdjointEigenSolver<RowMatrix<T>> eig(n);
    for (int64_t b = begin; b < end; ++b) {
      eig.compute(MatrixAt<T>(input, b, n, n), compute_v ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
      if (eig.info() != Eigen::Success) {
        failed.Mark(b);
        continue;
      }
      Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(e_out + b * n, n) = eig.eigenvalues().template cast<T>();
      if (compute_v) MatrixAt<T>(ctx.output(1), b, n, n) = eig.eigenvectors();
    }
  });
  const int64_t bad = failed.First();
  OPBRIDGE_REQUIRE(bad < 0,
                   "Self-adjoint eigen decomposition was not successful. The input might not be valid. (matrix ",
                   bad, " of ", batch, " in input '", input.name(), "')");
  return Status::Ok();
}

Status SelfAdjointEigV2Kernel(KernelContext& ctx, const EigParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Eigendecompose<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("SelfAdjointEigV2")
                         .Origin(OpOrigin::kTensorFlow)
                         // TF turns denormals back on for this solver: it relies on them.
                         .KeepDenormals()
                         .Doc("Eigenvalues (ascending) and optionally eigenvectors of each Hermitian matrix in a "
                              "batch (tf.linalg.eigh, tf.linalg.eigvalsh).")
                         .Input("input: T")
                         .Output("e: T")
                         .Output("v: T")
                         .Params<EigParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(SelfAdjointEigV2Shape)
                         .Kernel(SelfAdjointEigV2Kernel));

}  // namespace
}  // namespace opbridge
