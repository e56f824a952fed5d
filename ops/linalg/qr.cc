// Qr: Q R = A for each [m, n] matrix in a batch (tf.linalg.qr). TFLite has no
// kernel: the converter emits CUSTOM "Qr" with options {T, full_matrices}.
//
// As TF's CPU kernel: Eigen's HouseholderQR on a row-major map (no column
// pivoting). full_matrices: Q is [m, m] and R [m, n]; otherwise Q is
// [m, min(m, n)] and R [min(m, n), n]. Q and R are unique only up to the
// signs of R's diagonal (and Q's columns with it): the same Householder
// reflections as TF give the same signs, R's diagonal is not made positive.
// An empty input gives an identity Q where Q is not empty, as in TF.
// half: TF's kernel runs the same decomposition on Eigen::half. Its AVX
// build's half packets add products in float and round once, where scalar
// half code rounds every step: on AVX2 CPUs the isolated AVX2 build of this
// decomposition (qr_avx2.cc, every type) gives TF's bits; the baseline build
// differs within half's rounding.
#include <algorithm>
#include <type_traits>

#include "../math/element_types.h"
#include "linalg_common.h"
#include "qr_factor.h"
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
  const int64_t q_size = m * (full ? m : k), r_size = (full ? m : k) * n;
  const int64_t batch = BatchSize(input.shape());
  const double max_dim = static_cast<double>(std::max(m, n));
  const double flops = 2 * max_dim * k * k - 2.0 * k * k * k / 3 + 2 * max_dim * max_dim * (full ? m : k);
  const T* a = input.data<T>();
  T* q = q_out.data<T>();
  T* r = r_out.data<T>();
  ctx.ParallelFor(batch, MatrixCost(flops), [&](int64_t begin, int64_t end) {
    RunFactorQrs<T>(a + begin * m * n, end - begin, m, n, full, q + begin * q_size, r + begin * r_size);
  });
  return Status::Ok();
}

Status QrKernel(KernelContext& ctx, const QrParams& p) {
  return math::DispatchElement<float, double, std::complex<float>, std::complex<double>, Eigen::half>(
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
                         .Attr("T: {float, double, half, complex64, complex128}")
                         .ShapeRule(QrShape)
                         .Kernel(QrKernel));

}  // namespace
}  // namespace opbridge
