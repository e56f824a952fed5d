// Opbridge>LdlSolve: torch.linalg.ldl_solve, X with A X = B for A = P L D L^T P^T
// given as Opbridge>LdlFactor / LAPACK sytrf's packed LD and pivots (lower),
// as LAPACK's sytrs. litert-torch has no lowering for it and TF has no LDL.
// opbridge.convert rewrites the torch op onto this one
// (python/opbridge/torch/aten_linalg.py), broadcasting the batch dims first.
//
// sytrs (lower), 0-based: forward, k = 0, 1, ...: a 1 x 1 block (pivot p > 0)
// swaps rows k and p - 1 of B, subtracts L's column k times row k from the rows
// below and divides row k by d_kk; a 2 x 2 block (pivots -p on k and k + 1)
// swaps rows k + 1 and p - 1, subtracts both columns' products, and solves the
// 2 x 2 system as sytrs does (scaled by the off-diagonal d_k+1,k). Backward,
// k = n - 1, ...: row k (and k - 1 for a 2 x 2 block) minus L's column(s)
// dotted with the rows below, then the same swap. A zero D gives inf/NaN (no
// error, as LAPACK). Pivots out of range fail the invoke (LAPACK would read
// outside the matrix; torch does not check them either).
#include <algorithm>
#include <cstdint>
#include <utility>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

Status LdlSolveShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(RequireSquareMatrices(ctx, 0));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(2, 2));
  ctx.set_output(0, ctx.input(2));
  return Status::Ok();
}

// One n x n LD (row-major), its pivots, and B (n x m, row-major) solved in place.
template <typename T>
void Solve(const T* a, const int32_t* ipiv, T* b, int64_t n, int64_t m) {
  auto A = [&](int64_t i, int64_t j) { return a[i * n + j]; };
  auto swap_rows = [&](int64_t r, int64_t s) {
    if (r != s) std::swap_ranges(b + r * m, b + (r + 1) * m, b + s * m);
  };
  int64_t k = 0;
  while (k < n) {
    if (ipiv[k] > 0) {
      swap_rows(k, ipiv[k] - 1);
      for (int64_t i = k + 1; i < n; ++i) {
        for (int64_t j = 0; j < m; ++j) b[i * m + j] -= A(i, k) * b[k * m + j];
      }
      const T r = T(1) / A(k, k);
      for (int64_t j = 0; j < m; ++j) b[k * m + j] *= r;
      k += 1;
    } else {
      swap_rows(k + 1, -ipiv[k] - 1);
      for (int64_t i = k + 2; i < n; ++i) {
        for (int64_t j = 0; j < m; ++j) b[i * m + j] -= A(i, k) * b[k * m + j] + A(i, k + 1) * b[(k + 1) * m + j];
      }
      const T akm1k = A(k + 1, k);
      const T akm1 = A(k, k) / akm1k;
      const T ak = A(k + 1, k + 1) / akm1k;
      const T denom = akm1 * ak - T(1);
      for (int64_t j = 0; j < m; ++j) {
        const T bkm1 = b[k * m + j] / akm1k;
        const T bk = b[(k + 1) * m + j] / akm1k;
        b[k * m + j] = (ak * bkm1 - bk) / denom;
        b[(k + 1) * m + j] = (akm1 * bk - bkm1) / denom;
      }
      k += 2;
    }
  }
  k = n - 1;
  while (k >= 0) {
    const bool two = ipiv[k] < 0 && k > 0;
    for (int64_t r = two ? k - 1 : k; r <= k; ++r) {  // row r -= L(k+1.., r)^T B(k+1.., :)
      for (int64_t i = k + 1; i < n; ++i) {
        for (int64_t j = 0; j < m; ++j) b[r * m + j] -= A(i, r) * b[i * m + j];
      }
    }
    swap_rows(k, (ipiv[k] > 0 ? ipiv[k] : -ipiv[k]) - 1);
    k -= two ? 2 : 1;
  }
}

template <typename T>
Status Solves(KernelContext& ctx) {
  const ConstTensor& ld = ctx.input(0);
  const ConstTensor& pivots = ctx.input(1);
  const ConstTensor& rhs = ctx.input(2);
  const int64_t n = ld.dim(-1), m = rhs.dim(-1);
  const int64_t batch = BatchSize(ld.shape());
  OPBRIDGE_REQUIRE(pivots.shape().rank() == ld.shape().rank() - 1 && pivots.dim(-1) == n &&
                       BatchSize(rhs.shape()) == batch && rhs.dim(-2) == n &&
                       pivots.num_elements() == batch * n,
                   "Opbridge>LdlSolve: LD [..., n, n], pivots [..., n] and B [..., n, k] need equal batch dims");
  T* x = ctx.output(0).data<T>();
  if (batch * n * m == 0) return Status::Ok();
  const int32_t* ipiv = pivots.data<int32_t>();
  for (int64_t b = 0; b < batch; ++b) {  // the blocks sytrs walks must lie inside the matrix
    const int32_t* p = ipiv + b * n;
    for (int64_t k = 0; k < n;) {
      const int64_t row = p[k] > 0 ? p[k] : -int64_t{p[k]};
      OPBRIDGE_REQUIRE(p[k] != 0 && row <= n && (p[k] > 0 || k + 1 < n), "Opbridge>LdlSolve: pivot ", p[k],
                       " at ", k, " is not a valid LAPACK sytrf pivot of order ", n);
      k += p[k] > 0 ? 1 : 2;
    }
    for (int64_t k = 0; k < n; ++k) {
      const int64_t row = p[k] > 0 ? p[k] : -int64_t{p[k]};
      OPBRIDGE_REQUIRE(p[k] != 0 && row <= n, "Opbridge>LdlSolve: pivot ", p[k], " out of range 1..", n);
    }
  }
  std::copy(rhs.data<T>(), rhs.data<T>() + batch * n * m, x);
  ctx.ParallelFor(batch, MatrixCost(2.0 * n * n * m), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) Solve<T>(ld.data<T>() + b * n * n, ipiv + b * n, x + b * n * m, n, m);
  });
  return Status::Ok();
}

Status LdlSolveKernel(KernelContext& ctx) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Solves<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>LdlSolve")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.linalg.ldl_solve: LAPACK sytrs (lower) with the packed LD and pivots of "
                              "Opbridge>LdlFactor, for each matrix of equal batches.")
                         .Input("ld: T")
                         .Input("pivots: int32")
                         .Input("b: T")
                         .Output("x: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(LdlSolveShape)
                         .Kernel(LdlSolveKernel));

}  // namespace
}  // namespace opbridge
