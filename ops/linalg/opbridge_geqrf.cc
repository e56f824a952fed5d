// Opbridge>Geqrf: torch.geqrf (LAPACK geqrf's packed QR: R on and above the
// diagonal, the Householder vectors below it, and tau) of each m x n matrix in a
// batch. litert-torch cannot lower the op, and TF's Qr kernel (qr.cc) returns Q
// and R, not the reflectors torch.linalg.householder_product / torch.ormqr take.
// opbridge.convert rewrites the torch op onto this one
// (python/opbridge/torch/aten_linalg.py).
//
// LAPACK's geqr2 for k = min(m, n) steps: at step i, larfg makes the reflector
// H_i = I - tau_i v v^T (v_0 = 1) with H_i x = (beta, 0, ..., 0) for x = column i
// on and below the diagonal: beta = -sign(alpha) * ||x|| (alpha = x_0), tau =
// (beta - alpha) / beta, v below its first entry = x's tail times
// 1 / (alpha - beta); tau = 0 (H = I) when the tail is zero, and for the last row
// of a wide matrix (a one-element x). Then H_i is applied to the columns right of
// i: w = v^T A, A -= tau v w. larfg's rescaling of a tiny beta (below
// safmin / eps) is done as LAPACK does, so such columns get the same scale.
// torch's MKL blocks the columns (larft/larfb) for larger matrices; this is the
// unblocked order: the same reflectors to rounding.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status GeqrfShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  const Shape& in = ctx.input(0);
  const int64_t m = DimFromEnd(in, 2), n = DimFromEnd(in, 1);
  const int64_t k = (m == kUnknownDim || n == kUnknownDim) ? kUnknownDim : std::min(m, n);
  ctx.set_output(0, in);
  ctx.set_output(1, WithBatch(in, {k}));
  return Status::Ok();
}

// ||column c of rows r0..m-1|| of a row-major matrix, scaled against overflow (LAPACK's nrm2
// promises the same value to rounding).
template <typename T>
T ColumnNorm(const T* a, int64_t n, int64_t r0, int64_t m, int64_t c) {
  T scale = 0;
  for (int64_t r = r0; r < m; ++r) scale = std::max(scale, std::abs(a[r * n + c]));
  if (!(scale > T(0)) || std::isinf(scale)) {
    T sum = 0;  // zero, NaN or inf: the plain sum gives LAPACK's 0, NaN or inf
    for (int64_t r = r0; r < m; ++r) sum += a[r * n + c] * a[r * n + c];
    return std::sqrt(sum);
  }
  T sum = 0;
  for (int64_t r = r0; r < m; ++r) {
    const T x = a[r * n + c] / scale;
    sum += x * x;
  }
  return scale * std::sqrt(sum);
}

// One row-major m x n matrix in place; tau has min(m, n) entries.
template <typename T>
void Factor(T* a, int64_t m, int64_t n, T* tau) {
  const int64_t k = std::min(m, n);
  const T safmin = std::numeric_limits<T>::min() / std::numeric_limits<T>::epsilon();
  for (int64_t i = 0; i < k; ++i) {
    // larfg on x = a[i.., i].
    T alpha = a[i * n + i];
    T xnorm = ColumnNorm(a, n, i + 1, m, i);
    T t = 0;
    if (i + 1 < m && xnorm != T(0)) {
      T beta = -std::copysign(std::hypot(alpha, xnorm), alpha);
      int knt = 0;
      if (std::abs(beta) < safmin) {  // rescale x (LAPACK: at most 20 times)
        const T rsafmn = T(1) / safmin;
        do {
          ++knt;
          for (int64_t r = i + 1; r < m; ++r) a[r * n + i] *= rsafmn;
          beta *= rsafmn;
          alpha *= rsafmn;
        } while (std::abs(beta) < safmin && knt < 20);
        xnorm = ColumnNorm(a, n, i + 1, m, i);
        beta = -std::copysign(std::hypot(alpha, xnorm), alpha);
      }
      t = (beta - alpha) / beta;
      const T scale = T(1) / (alpha - beta);
      for (int64_t r = i + 1; r < m; ++r) a[r * n + i] *= scale;
      for (int j = 0; j < knt; ++j) beta *= safmin;
      a[i * n + i] = beta;
    }
    tau[i] = t;
    if (t == T(0) || i + 1 >= n) continue;  // H_i = I, or no columns to its right
    // larf: A[i.., i+1..] -= tau v (v^T A[i.., i+1..]), v = (1, a[i+1.., i]).
    for (int64_t c = i + 1; c < n; ++c) {
      T w = a[i * n + c];
      for (int64_t r = i + 1; r < m; ++r) w += a[r * n + i] * a[r * n + c];
      w *= t;
      a[i * n + c] -= w;
      for (int64_t r = i + 1; r < m; ++r) a[r * n + c] -= a[r * n + i] * w;
    }
  }
}

template <typename T>
Status Factors(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const int64_t m = input.dim(-2), n = input.dim(-1), k = std::min(m, n);
  const int64_t batch = BatchSize(input.shape());
  T* a = ctx.output(0).data<T>();
  T* tau = ctx.output(1).data<T>();
  if (batch == 0 || m * n == 0) return Status::Ok();
  std::copy(input.data<T>(), input.data<T>() + batch * m * n, a);
  ctx.ParallelFor(batch, MatrixCost(2.0 * m * n * k), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) Factor<T>(a + b * m * n, m, n, tau + b * k);
  });
  return Status::Ok();
}

Status GeqrfKernel(KernelContext& ctx) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Factors<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Geqrf")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.geqrf: LAPACK geqrf of each m x n matrix in a batch: R and the Householder "
                              "vectors packed in one matrix, and tau.")
                         .Input("input: T")
                         .Output("a: T")
                         .Output("tau: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(GeqrfShape)
                         .Kernel(GeqrfKernel));

}  // namespace
}  // namespace opbridge
