// Opbridge>LdlFactor: torch.linalg.ldl_factor / ldl_factor_ex of each symmetric
// matrix in a batch, with LAPACK sytrf's outputs (A = P L D L^T P^T, Bunch-Kaufman
// pivoting, lower triangle). litert-torch cannot convert these ops (ldl_factor's
// error check is an effectful op; ldl_factor_ex has no lowering) and TF has no LDL.
// opbridge.convert rewrites the torch ops onto this one
// (python/opbridge/torch/aten_linalg.py).
//
// LAPACK's sytf2 (lower; torch calls sytrf with uplo 'L'), 0-based here: at step
// k, with alpha = (1 + sqrt(17)) / 8, colmax the largest |a_ik| below the diagonal
// (row imax, the first such) and rowmax the largest off-diagonal |.| of row/column
// imax: a 1 x 1 pivot a_kk if |a_kk| >= alpha colmax or >= alpha colmax^2 /
// rowmax; else a 1 x 1 pivot a_imax,imax (swapped to k) if |.| >= alpha rowmax;
// else a 2 x 2 pivot of rows k and imax (imax swapped to k + 1).
// Swaps touch the trailing block only (earlier columns of L are not permuted).
// pivots (int32, 1-based as LAPACK): p for a 1 x 1 block (row p swapped with k),
// -p on both rows of a 2 x 2 block (row p swapped with k + 1). A zero column (or
// a NaN diagonal) is no failure: info is its first step, 1-based, and the step
// is skipped. The upper triangle is zeroed (torch's). LAPACK blocks for n > 64
// (lasyf): the same decisions up to rounding; this is the unblocked order.
// check_errors (torch.linalg.ldl_factor): info > 0 fails the invoke instead.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct LdlFactorParams {
  bool check_errors = false;

  static void Declare(ParamBinder& b, LdlFactorParams& p) { b.Attr("check_errors: bool = false", &p.check_errors); }
};

Status LdlFactorShape(ShapeContext& ctx, const LdlFactorParams&) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  const Shape& in = ctx.input(0);
  ctx.set_output(0, in);
  ctx.set_output(1, WithBatch(in, {DimFromEnd(in, 1)}));
  ctx.set_output(2, BatchShape(in));
  return Status::Ok();
}

// One row-major n x n matrix in place (lower triangle read and written); returns info.
template <typename T>
int32_t Factor(T* a, int64_t n, int32_t* ipiv) {
  auto A = [&](int64_t i, int64_t j) -> T& { return a[i * n + j]; };  // i >= j
  const T alpha = (T(1) + std::sqrt(T(17))) / T(8);
  int32_t info = 0;
  int64_t k = 0;
  while (k < n) {
    int64_t kstep = 1, kp = k;
    const T absakk = std::abs(A(k, k));
    int64_t imax = k;
    T colmax = 0;
    if (k + 1 < n) {  // i?amax: the first largest, starting from the first (NaN is never larger)
      imax = k + 1;
      colmax = std::abs(A(k + 1, k));
      for (int64_t i = k + 2; i < n; ++i) {
        if (std::abs(A(i, k)) > colmax) colmax = std::abs(A(i, k)), imax = i;
      }
    }
    if (std::max(absakk, colmax) == T(0) || std::isnan(absakk)) {
      if (info == 0) info = static_cast<int32_t>(k + 1);
      kp = k;
    } else {
      if (absakk >= alpha * colmax) {
        kp = k;
      } else {
        T rowmax = 0;  // row imax left of the diagonal (columns k..imax-1), then column imax below it
        for (int64_t j = k; j < imax; ++j) rowmax = std::max(rowmax, std::abs(A(imax, j)));
        for (int64_t i = imax + 1; i < n; ++i) rowmax = std::max(rowmax, std::abs(A(i, imax)));
        if (absakk >= alpha * colmax * (colmax / rowmax)) {
          kp = k;
        } else if (std::abs(A(imax, imax)) >= alpha * rowmax) {
          kp = imax;
        } else {
          kp = imax;
          kstep = 2;
        }
      }
      const int64_t kk = k + kstep - 1;
      if (kp != kk) {  // symmetric interchange of kk and kp in the trailing block
        for (int64_t i = kp + 1; i < n; ++i) std::swap(A(i, kk), A(i, kp));
        for (int64_t j = kk + 1; j < kp; ++j) std::swap(A(j, kk), A(kp, j));
        std::swap(A(kk, kk), A(kp, kp));
        if (kstep == 2) std::swap(A(k + 1, k), A(kp, k));
      }
      if (kstep == 1) {
        if (k + 1 < n) {  // A22 -= x x^T / d (syr), then the column times 1 / d
          const T r1 = T(1) / A(k, k);
          for (int64_t j = k + 1; j < n; ++j) {
            const T t = -r1 * A(j, k);
            for (int64_t i = j; i < n; ++i) A(i, j) += A(i, k) * t;
          }
          for (int64_t i = k + 1; i < n; ++i) A(i, k) *= r1;
        }
      } else if (k + 2 < n) {  // the 2 x 2 block's columns of L and the trailing update
        T d21 = A(k + 1, k);
        const T d11 = A(k + 1, k + 1) / d21;
        const T d22 = A(k, k) / d21;
        const T t = T(1) / (d11 * d22 - T(1));
        d21 = t / d21;
        for (int64_t j = k + 2; j < n; ++j) {
          const T wk = d21 * (d11 * A(j, k) - A(j, k + 1));
          const T wkp1 = d21 * (d22 * A(j, k + 1) - A(j, k));
          for (int64_t i = j; i < n; ++i) A(i, j) -= A(i, k) * wk + A(i, k + 1) * wkp1;
          A(j, k) = wk;
          A(j, k + 1) = wkp1;
        }
      }
    }
    if (kstep == 1) {
      ipiv[k] = static_cast<int32_t>(kp + 1);
    } else {
      ipiv[k] = ipiv[k + 1] = -static_cast<int32_t>(kp + 1);
    }
    k += kstep;
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = i + 1; j < n; ++j) a[i * n + j] = T(0);
  }
  return info;
}

template <typename T>
Status Factors(KernelContext& ctx, const LdlFactorParams& params) {
  const ConstTensor& input = ctx.input(0);
  const int64_t n = input.dim(-1);
  const int64_t batch = BatchSize(input.shape());
  T* ld = ctx.output(0).data<T>();
  int32_t* pivots = ctx.output(1).data<int32_t>();
  int32_t* info = ctx.output(2).data<int32_t>();
  if (batch == 0) return Status::Ok();
  std::copy(input.data<T>(), input.data<T>() + batch * n * n, ld);
  ctx.ParallelFor(batch, MatrixCost(static_cast<double>(n) * n * n / 3), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) info[b] = Factor<T>(ld + b * n * n, n, pivots + b * n);
  });
  if (params.check_errors) {
    for (int64_t b = 0; b < batch; ++b) {
      if (info[b] == 0) continue;
      const std::string where = input.shape().rank() > 2 ? " (Batch element " + std::to_string(b) + ")" : "";
      return Errorf("torch.linalg.ldl_factor", where, ": the factorization failed: D[", info[b], ",", info[b],
                    "] is exactly zero (LAPACK sytrf info ", info[b], ")");
    }
  }
  return Status::Ok();
}

Status LdlFactorKernel(KernelContext& ctx, const LdlFactorParams& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Factors<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>LdlFactor")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.linalg.ldl_factor_ex: LAPACK sytrf (Bunch-Kaufman, lower) of each symmetric "
                              "matrix in a batch: packed L and D, 1-based pivots, and info.")
                         .Input("input: T")
                         .Output("ld: T")
                         .Output("pivots: int32")
                         .Output("info: int32")
                         .Params<LdlFactorParams>()
                         .Attr("T: {float, double}")
                         .ShapeRule(LdlFactorShape)
                         .Kernel(LdlFactorKernel));

}  // namespace
}  // namespace opbridge
