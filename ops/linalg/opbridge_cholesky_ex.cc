// Opbridge>CholeskyEx: torch.linalg.cholesky_ex (L and info) of each matrix in
// a batch, with LAPACK potrf's outputs. litert-torch cannot lower the op, and
// TF's Cholesky kernel (cholesky.cc) is not its contract: it returns no info and
// fills a failed matrix with NaN, where torch returns the partial factor and the
// order of the first leading minor that is not positive definite. opbridge.convert
// rewrites the torch op onto this one (python/opbridge/torch/aten_linalg.py).
//
// LAPACK's potf2 (lower): column by column, d = a_jj - sum_k l_jk^2 (k < j);
// if d is not positive (NaN included) the factorization stops: a_jj = d, info =
// j + 1, the columns from j on keep A's entries; else l_jj = sqrt(d) and the
// column below is (a_ij - sum_k l_ik l_jk) times 1 / l_jj. torch then zeroes the
// other triangle. upper: the same on A^T (potrf's upper reads A's upper
// triangle), the result transposed. torch's MKL blocks the columns for large n;
// this is the unblocked order, so factors agree to rounding (and a failed
// matrix's partial factor is MKL's for the sizes measured, n <= 8).
// check_errors (torch.linalg.cholesky_ex(check_errors=True)): a failure fails the
// invoke with torch's message instead.
#include <cmath>
#include <cstdint>
#include <string>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct CholeskyExParams {
  bool upper = false;
  bool check_errors = false;

  static void Declare(ParamBinder& b, CholeskyExParams& p) {
    b.Attr("upper: bool = false", &p.upper);
    b.Attr("check_errors: bool = false", &p.check_errors);
  }
};

Status CholeskyExShape(ShapeContext& ctx, const CholeskyExParams&) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  ctx.set_output(0, ctx.input(0));
  ctx.set_output(1, BatchShape(ctx.input(0)));
  return Status::Ok();
}

// One row-major n x n matrix: `in` read as A (or A^T when upper), the factor written
// to `out` in the same orientation; returns info.
template <typename T>
int32_t Factor(const T* in, T* out, int64_t n, bool upper) {
  // l(i, j): element (i, j) of the lower-form working matrix.
  auto at = [&](T* m, int64_t i, int64_t j) -> T& { return upper ? m[j * n + i] : m[i * n + j]; };
  for (int64_t i = 0; i < n * n; ++i) out[i] = in[i];
  int32_t info = 0;
  for (int64_t j = 0; j < n; ++j) {
    T d = at(out, j, j);
    for (int64_t k = 0; k < j; ++k) d -= at(out, j, k) * at(out, j, k);
    if (!(d > T(0))) {  // not positive, or NaN: potf2 stops here
      at(out, j, j) = d;
      info = static_cast<int32_t>(j + 1);
      break;
    }
    const T ljj = std::sqrt(d);
    at(out, j, j) = ljj;
    const T scale = T(1) / ljj;  // potf2 scales by the reciprocal
    for (int64_t i = j + 1; i < n; ++i) {
      T s = at(out, i, j);
      for (int64_t k = 0; k < j; ++k) s -= at(out, i, k) * at(out, j, k);
      at(out, i, j) = s * scale;
    }
  }
  for (int64_t i = 0; i < n; ++i) {  // torch's tril (triu when upper)
    for (int64_t j = i + 1; j < n; ++j) at(out, i, j) = T(0);
  }
  return info;
}

template <typename T>
Status Factors(KernelContext& ctx, const CholeskyExParams& params) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  const int64_t batch = BatchSize(input.shape());
  T* out = ctx.output(0).data<T>();
  int32_t* info = ctx.output(1).data<int32_t>();
  if (batch == 0) return Status::Ok();
  const T* in = input.data<T>();
  ctx.ParallelFor(batch, MatrixCost(static_cast<double>(n) * n * n / 3), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) info[b] = Factor<T>(in + b * n * n, out + b * n * n, n, params.upper);
  });
  if (params.check_errors) {
    for (int64_t b = 0; b < batch; ++b) {
      if (info[b] == 0) continue;
      // torch's _linalg_check_errors text (the batch element named when batched).
      const std::string where = input.shape().rank() > 2 ? " (Batch element " + std::to_string(b) + ")" : "";
      return Errorf("torch.linalg.cholesky_ex", where,
                    ": The factorization could not be completed because the input is not positive-definite "
                    "(the leading minor of order ",
                    info[b], " is not positive-definite).");
    }
  }
  return Status::Ok();
}

Status CholeskyExKernel(KernelContext& ctx, const CholeskyExParams& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Factors<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>CholeskyEx")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.linalg.cholesky_ex: LAPACK potrf of each symmetric matrix in a batch (lower, "
                              "or upper), with info and the partial factor where it fails.")
                         .Input("input: T")
                         .Output("factor: T")
                         .Output("info: int32")
                         .Params<CholeskyExParams>()
                         .Attr("T: {float, double}")
                         .ShapeRule(CholeskyExShape)
                         .Kernel(CholeskyExKernel));

}  // namespace
}  // namespace opbridge
