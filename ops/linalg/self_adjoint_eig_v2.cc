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
#include <memory>

#include "eigh_batch.h"
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
  T* v_out = compute_v ? ctx.output(1).data<T>() : nullptr;
  std::unique_ptr<bool[]> failed(new bool[static_cast<size_t>(batch)]());
  const double flops = (compute_v ? 9.0 : 4.0 / 3) * n * n * n;
  ctx.ParallelFor(batch, MatrixCost(flops), [&](int64_t begin, int64_t end) {
    RunDecomposeSelfAdjoint<T>(input.data<T>() + begin * n * n, end - begin, n, compute_v, e_out + begin * n,
                               compute_v ? v_out + begin * n * n : nullptr, failed.get() + begin);
  });
  // The first failing matrix, as TF's first failing shard reports.
  int64_t bad = -1;
  for (int64_t b = 0; b < batch && bad < 0; ++b) {
    if (failed[static_cast<size_t>(b)]) bad = b;
  }
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
