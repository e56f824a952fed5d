// Qr: Q R = A for each [m, n] matrix in a batch (tf.linalg.qr). TFLite has no
// kernel: the converter emits CUSTOM "Qr" with options {T, full_matrices}.
//
// As TF's CPU kernel: Eigen's HouseholderQR on a row-major map (no column
// pivoting). full_matrices: Q is [m, m] and R [m, n]; otherwise Q is
// [m, min(m, n)] and R [min(m, n), n]. Q and R are unique only up to the
// signs of R's diagonal (and Q's columns with it): the same Householder
// reflections as TF give the same signs, R's diagonal is not made positive.
// An empty input gives an identity Q where Q is not empty, as in TF.
#include <Eigen/QR>
#include <algorithm>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct QrParams {
  bool full_matrices = false;

  static void Declare(ParamBinder& b, QrParams& p) { b.Attr("full_matrices: bool = false", &p.full_matrices); }
};

Status QrShape(ShapeContext& ctx, const QrParams& p) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  const Shape& input = ctx.input(0);
  const int64_t m = DimFromEnd(input, 2), n = DimFromEnd(input, 1);
  const int64_t k = m < 0 || n < 0 ? kUnknownDim : std::min(m, n);
  const bool full = p.full_matrices;
  ctx.set_output(0, WithBatch(input, {m, full ? m : k}));
  ctx.set_output(1, WithBatch(input, {full ? m : k, n}));
  return Status::Ok();
}

template <typename T>
Status Factor(KernelContext& ctx, const QrParams& p) {
  const ConstTensor& input = ctx.input(0);
  const Tensor& q_out = ctx.output(0);
  const Tensor& r_out = ctx.output(1);
  const int64_t m = input.dim(-2), n = input.dim(-1), k = std::min(m, n);
  const bool full = p.full_matrices;
  const int64_t q_cols = full ? m : k, r_rows = full ? m : k;
  const int64_t batch = BatchSize(input.shape());
  const double max_dim = static_cast<double>(std::max(m, n));
  const double flops = 2 * max_dim * k * k - 2.0 * k * k * k / 3 + 2 * max_dim * max_dim * q_cols;
  ctx.ParallelFor(batch, MatrixCost(flops), [&](int64_t begin, int64_t end) {
    Eigen::HouseholderQR<RowMatrix<T>> qr(m, n);
    // Thin Q: TF applies the reflections to a materialized [m, k] identity. A
    // product with an Identity() expression takes another Eigen path, which
    // does not spread a NaN input through Q as TF's does.
    const RowMatrix<T> identity = full ? RowMatrix<T>() : RowMatrix<T>::Identity(m, k);
    for (int64_t b = begin; b < end; ++b) {
      auto q = MatrixAt<T>(q_out, b, m, q_cols);
      auto r = MatrixAt<T>(r_out, b, r_rows, n);
      if (k == 0) {
        // No reflections: Q is the identity (empty unless full with m > 0), R is empty.
        q.setIdentity();
        continue;
      }
      qr.compute(MatrixAt<T>(input, b, m, n));
      if (full) {
        q = qr.householderQ();
        r = qr.matrixQR().template triangularView<Eigen::Upper>();
      } else {
        q = qr.householderQ() * identity;
        r = qr.matrixQR().block(0, 0, k, n).template triangularView<Eigen::Upper>();
      }
    }
  });
  return Status::Ok();
}

Status QrKernel(KernelContext& ctx, const QrParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Factor<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Qr")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("QR decomposition of each matrix in a batch (tf.linalg.qr): Householder, full or "
                              "reduced Q and R.")
                         .Input("input: T")
                         .Output("q: T")
                         .Output("r: T")
                         .Params<QrParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(QrShape)
                         .Kernel(QrKernel));

}  // namespace
}  // namespace opbridge
