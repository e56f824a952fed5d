// Opbridge>LuFactor: torch.linalg.lu_factor / lu_factor_ex / lu (the LU part)
// of each matrix in a batch, with LAPACK's outputs. litert-torch cannot
// convert these ops (lu_factor's error check is an effectful op it rejects);
// TF's Lu kernel (lu.cc) takes square matrices only, returns a permutation
// instead of LAPACK's row interchanges, and fails on a singular matrix where
// torch.linalg.lu and lu_factor_ex do not. opbridge.convert rewrites the torch
// ops onto this one (python/opbridge/torch/aten_linalg.py).
//
// LAPACK's getrf semantics (torch's CPU backend calls it), for an m x n matrix
// and k = min(m, n) steps: at step j the pivot is the first entry of largest
// magnitude in column j on or below the diagonal; pivots[j] is its 1-based row;
// rows j and pivot are swapped across the whole matrix; the column below the
// diagonal is scaled by the reciprocal of the pivot (divided by it when the
// pivot is below the smallest normal number, whose reciprocal overflows) and
// the trailing block takes the rank-1 update. An exactly zero pivot is not a
// failure: no swap, no scaling, and info (int32 per matrix) is the first such
// step, 1-based (0: none). LAPACK blocks (and recurses on) the columns; this
// kernel is the unblocked order, so factors agree with torch's to rounding and
// pivots agree except where two candidates tie within rounding.
// Also returned: perm (int32 [..., m]), the row order of P^T A = L U: row i of
// L U is row perm[i] of A (the interchanges applied to 0..m-1), from which the
// rewrites build torch.linalg.lu's P without a sequential loop in the graph.
// check_errors (torch.linalg.lu_factor): a zero pivot fails the invoke with
// torch's message instead.
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct LuFactorParams {
  bool check_errors = false;

  static void Declare(ParamBinder& b, LuFactorParams& p) { b.Attr("check_errors: bool = false", &p.check_errors); }
};

Status LuFactorShape(ShapeContext& ctx, const LuFactorParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  const Shape& in = ctx.input(0);
  const int64_t m = DimFromEnd(in, 2), n = DimFromEnd(in, 1);
  const int64_t k = (m == kUnknownDim || n == kUnknownDim) ? kUnknownDim : std::min(m, n);
  ctx.set_output(0, in);
  ctx.set_output(1, WithBatch(in, {k}));
  ctx.set_output(2, WithBatch(in, {m}));
  ctx.set_output(3, BatchShape(in));
  return Status::Ok();
}

// One row-major m x n matrix in place; returns info.
template <typename T>
int32_t Factor(T* a, int64_t m, int64_t n, int32_t* pivots, int32_t* perm) {
  const int64_t k = std::min(m, n);
  const T smallest = std::numeric_limits<T>::min();
  int32_t info = 0;
  std::iota(perm, perm + m, 0);
  for (int64_t j = 0; j < k; ++j) {
    // LAPACK's i?amax: the first index of the largest |x| (NaN is never larger).
    int64_t p = j;
    T best = std::abs(a[j * n + j]);
    for (int64_t i = j + 1; i < m; ++i) {
      const T v = std::abs(a[i * n + j]);
      if (v > best) best = v, p = i;
    }
    pivots[j] = static_cast<int32_t>(p + 1);
    const T pivot = a[p * n + j];
    if (pivot != T(0)) {
      if (p != j) {
        for (int64_t c = 0; c < n; ++c) std::swap(a[j * n + c], a[p * n + c]);
        std::swap(perm[j], perm[p]);
      }
      if (std::abs(pivot) >= smallest) {
        const T inverse = T(1) / pivot;
        for (int64_t i = j + 1; i < m; ++i) a[i * n + j] *= inverse;
      } else {
        for (int64_t i = j + 1; i < m; ++i) a[i * n + j] /= pivot;
      }
    } else if (info == 0) {
      info = static_cast<int32_t>(j + 1);
    }
    // A22 -= l21 u12 (row by row: contiguous rows of the row-major matrix).
    for (int64_t i = j + 1; i < m; ++i) {
      const T l = a[i * n + j];
      for (int64_t c = j + 1; c < n; ++c) a[i * n + c] -= l * a[j * n + c];
    }
  }
  return info;
}

template <typename T>
Status Factors(KernelContext& ctx, const LuFactorParams& params) {
  const ConstTensor& input = ctx.input(0);
  const int64_t m = input.dim(-2), n = input.dim(-1), k = std::min(m, n);
  const int64_t batch = BatchSize(input.shape());
  T* lu = ctx.output(0).data<T>();
  int32_t* pivots = ctx.output(1).data<int32_t>();
  int32_t* perm = ctx.output(2).data<int32_t>();
  int32_t* info = ctx.output(3).data<int32_t>();
  if (batch == 0) return Status::Ok();
  std::copy(input.data<T>(), input.data<T>() + batch * m * n, lu);
  ctx.ParallelFor(batch, MatrixCost(2.0 * m * n * k), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      info[b] = Factor<T>(lu + b * m * n, m, n, pivots + b * k, perm + b * m);
    }
  });
  if (params.check_errors) {
    for (int64_t b = 0; b < batch; ++b) {
      if (info[b] == 0) continue;
      // torch's _linalg_check_errors text for lu_factor (the batch element named when batched).
      const std::string where = input.shape().rank() > 2 ? " (Batch element " + std::to_string(b) + ")" : "";
      return Errorf("torch.linalg.lu_factor", where, ": U[", info[b], ",", info[b],
                           "] is zero and using it on lu_solve would result in a division by zero. If you "
                           "still want to perform the factorization, consider calling linalg.lu(A, pivot) "
                           "or linalg.lu_factor_ex(A, pivot)");
    }
  }
  return Status::Ok();
}

Status LuFactorKernel(KernelContext& ctx, const LuFactorParams& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Factors<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>LuFactor")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.linalg.lu_factor_ex: LAPACK getrf of each m x n matrix in a batch: packed "
                              "L and U, 1-based row interchanges, the row order perm of P^T A, and info.")
                         .Input("input: T")
                         .Output("lu: T")
                         .Output("pivots: int32")
                         .Output("perm: int32")
                         .Output("info: int32")
                         .Params<LuFactorParams>()
                         .Attr("T: {float, double}")
                         .ShapeRule(LuFactorShape)
                         .Kernel(LuFactorKernel));

}  // namespace
}  // namespace opbridge
