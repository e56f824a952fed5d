// TridiagonalSolve: X with T X = B for each tridiagonal T in a batch
// (tf.linalg.tridiagonal_solve). TFLite has no kernel: the converter emits
// CUSTOM "TridiagonalSolve" with options {T, partial_pivoting,
// perturb_singular}. The op's own input is the 'compact' format, diagonals
// [..., 3, M] (superdiagonal with its last element ignored, diagonal,
// subdiagonal with its first element ignored); tf.linalg.tridiagonal_solve
// converts the 'sequence' and 'matrix' formats (and a vector rhs,
// transpose_rhs, conjugate_rhs) in Python, before the op.
//
// As TF's CPU kernel (tensorflow/core/kernels/linalg/tridiagonal_solve_op.cc,
// a LinearAlgebraOp): rhs [..., M, K] with exactly diagonals' batch dims (no
// broadcasting); the output has rhs's shape. Three algorithms, with TF's
// operations in TF's order, so real results are TF's bits:
// - partial_pivoting (the default): Gaussian elimination with partial
//   pivoting (LAPACK's xGTSV). An exactly-zero pivot is not an error in TF:
//   it logs "The matrix is not invertible." and fills that system's solution
//   with numeric_limits<T>::quiet_NaN(), which for complex T is 0 (the
//   primary template), so a singular complex system gives zeros.
// - partial_pivoting=false: the Thomas algorithm; a zero pivot fills the
//   same way ("either not invertible, or requires pivoting").
// - perturb_singular (needs partial_pivoting): LAPACK's xLAGTF + xLAGTS,
//   tiny pivots perturbed by eps * max|U| (or rows scaled) instead of failing.
// A 1x1 system without perturb_singular is rhs / d, or the fill when d == 0.
//
// Complex rows are divided as Eigen's packet path divides them (scaled by
// max(|re|, |im|) of the divisor, pdiv_complex) and multiplied as its packet
// product does; complex scalars (factors, 1 / pivot) are divided as TF's
// std::complex division (Smith's algorithm): complex results are TF's bits
// too.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../math/complex_scalar_ops.h"
#include "linalg_common.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace linalg;  // NOLINT

struct TridiagonalSolveParams {
  bool partial_pivoting = true;
  bool perturb_singular = false;

  static void Declare(ParamBinder& b, TridiagonalSolveParams& p) {
    b.Attr("partial_pivoting: bool = true", &p.partial_pivoting);
    b.Attr("perturb_singular: bool = false", &p.perturb_singular);
  }

  Status Validate() const {
    OPBRIDGE_REQUIRE(partial_pivoting || !perturb_singular,
                     "Setting perturb_singular requires also setting partial_pivoting.");
    return Status::Ok();
  }
};

// LinearAlgebraOp's checks, in its order, then TridiagonalSolveOp's.
Status TridiagonalSolveShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(1, 2));
  const Shape& diagonals = ctx.input(0);
  const Shape& rhs = ctx.input(1);
  if (diagonals.rank_known() && rhs.rank_known()) {
    OPBRIDGE_REQUIRE(diagonals.rank() == rhs.rank(), "All input tensors must have the same rank: 'diagonals' ",
                     diagonals.ToString(), " and 'rhs' ", rhs.ToString(), " (TridiagonalSolve does not broadcast)");
    for (int i = 0; i + 2 < diagonals.rank(); ++i) {
      const int64_t a = diagonals.dim(i), b = rhs.dim(i);
      OPBRIDGE_REQUIRE(a < 0 || b < 0 || a == b, "All input tensors must have the same outer dimensions: 'diagonals' ",
                       diagonals.ToString(), " and 'rhs' ", rhs.ToString());
    }
  }
  if (diagonals.rank_known()) {
    const int64_t rows = diagonals.dim(-2);
    OPBRIDGE_REQUIRE(rows < 0 || rows == 3,
                     "Expected diagonals to be provided as a matrix with 3 rows, got ", rows,
                     " rows (input 'diagonals' ", diagonals.ToString(), ")");
  }
  if (diagonals.rank_known() && rhs.rank_known()) {
    const int64_t left = diagonals.dim(-1), right = rhs.dim(-2);
    OPBRIDGE_REQUIRE(left < 0 || right < 0 || left == right,
                     "Expected the same number of left-hand sides and right-hand sides, got ", left, " and ", right,
                     " (dim -1 of input 'diagonals' ", diagonals.ToString(), ", dim -2 of input 'rhs' ",
                     rhs.ToString(), ")");
  }
  ctx.set_output(0, rhs);
  return Status::Ok();
}

// TF's fill for a singular system: numeric_limits<T>::quiet_NaN(), which is
// T() for std::complex (numeric_limits has no complex specialization).
template <typename T>
inline T SingularFill() {
  if constexpr (math::IsComplex<T>::value) {
    return T();
  } else {
    return std::numeric_limits<T>::quiet_NaN();
  }
}

template <typename T>
struct Tridiagonal {
  using R = typename Eigen::NumTraits<T>::Real;

  const T* super;  // [n]
  const T* diag;   // [n]
  const T* sub;    // [n]
  const T* rhs;    // [n, k]
  T* x;            // [n, k]
  int64_t n, k;

  const T* rhs_row(int64_t i) const { return rhs + i * k; }
  T* x_row(int64_t i) const { return x + i * k; }

  void Fill() const { std::fill(x, x + n * k, SingularFill<T>()); }

  // TF's 1x1 system (without perturb_singular).
  void SolveScalar() const {
    if (diag[0] == T(0)) return Fill();
    const T d = diag[0];
    const T* b = rhs_row(0);
    T* out = x_row(0);
    for (int64_t c = 0; c < k; ++c) out[c] = math::PacketDivide(b[c], d);
  }

  // Gaussian elimination with partial pivoting; u holds 3n scratch values
  // (U's diagonal, superdiagonal and second superdiagonal).
  void SolvePivoting(T* u) const {
    T* u0 = u;
    T* u1 = u + n;
    T* u2 = u + 2 * n;
    u0[0] = diag[0];
    u1[0] = super[0];
    std::copy(rhs_row(0), rhs_row(0) + k, x_row(0));
    for (int64_t i = 0; i < n - 1; ++i) {
      const T s = sub[i + 1];
      T* xi = x_row(i);
      T* xn = x_row(i + 1);
      const T* bn = rhs_row(i + 1);
      if (std::abs(u0[i]) >= std::abs(s)) {
        // No row interchange.
        if (u0[i] == T(0)) return Fill();
        const T factor = math::SmithDivide(s, u0[i]);
        u0[i + 1] = diag[i + 1] - math::PacketMul(factor, u1[i]);
        for (int64_t c = 0; c < k; ++c) xn[c] = bn[c] - math::PacketMul(factor, xi[c]);
        if (i != n - 2) {
          u1[i + 1] = super[i + 1];
          u2[i] = T(0);
        }
      } else {
        // Rows i and i + 1 interchanged.
        const T factor = math::SmithDivide(u0[i], s);
        u0[i] = s;
        u0[i + 1] = u1[i] - math::PacketMul(factor, diag[i + 1]);
        u1[i] = diag[i + 1];
        for (int64_t c = 0; c < k; ++c) {
          const T b = bn[c];
          xn[c] = xi[c] - math::PacketMul(factor, b);
          xi[c] = b;
        }
        if (i != n - 2) {
          u2[i] = super[i + 1];
          u1[i + 1] = math::PacketMul(-factor, super[i + 1]);
        }
      }
    }
    if (u0[n - 1] == T(0)) return Fill();
    {
      T* last = x_row(n - 1);
      const T d = u0[n - 1];
      for (int64_t c = 0; c < k; ++c) last[c] = math::PacketDivide(last[c], d);
    }
    {
      T* row = x_row(n - 2);
      const T* next = x_row(n - 1);
      const T a = u1[n - 2], d = u0[n - 2];
      for (int64_t c = 0; c < k; ++c) row[c] = math::PacketDivide(row[c] - math::PacketMul(a, next[c]), d);
    }
    for (int64_t i = n - 3; i >= 0; --i) {
      T* row = x_row(i);
      const T* next = x_row(i + 1);
      const T* next2 = x_row(i + 2);
      const T a = u1[i], b = u2[i], d = u0[i];
      for (int64_t c = 0; c < k; ++c) {
        row[c] = math::PacketDivide(row[c] - math::PacketMul(a, next[c]) - math::PacketMul(b, next2[c]), d);
      }
    }
  }

  // The Thomas algorithm (no pivoting); u holds n scratch values.
  void SolveThomas(T* u) const {
    if (diag[0] == T(0)) return Fill();
    u[0] = math::SmithDivide(super[0], diag[0]);
    {
      const T* b = rhs_row(0);
      T* out = x_row(0);
      const T d = diag[0];
      for (int64_t c = 0; c < k; ++c) out[c] = math::PacketDivide(b[c], d);
    }
    for (int64_t i = 1; i < n; ++i) {
      const T s = sub[i];
      const T denom = diag[i] - math::PacketMul(s, u[i - 1]);
      if (denom == T(0)) return Fill();
      u[i] = math::SmithDivide(super[i], denom);
      const T* b = rhs_row(i);
      const T* prev = x_row(i - 1);
      T* out = x_row(i);
      for (int64_t c = 0; c < k; ++c) out[c] = math::PacketDivide(b[c] - math::PacketMul(s, prev[c]), denom);
    }
    for (int64_t i = n - 2; i >= 0; --i) {
      T* row = x_row(i);
      const T* next = x_row(i + 1);
      const T a = u[i];
      for (int64_t c = 0; c < k; ++c) row[c] = row[c] - math::PacketMul(a, next[c]);
    }
  }

  // TF's MaybePerturbPivot (from LAPACK's xLAGTS): moves a pivot of
  // magnitude below 1 away from zero, or scales it and the row up, so that
  // neither 1 / pivot nor row / pivot overflows.
  static void MaybePerturbPivot(R perturb, T& pivot, T* row, int64_t k) {
    constexpr R one(1);
    // xLAMCH's safe minimum: 1 / max < min for IEEE float and double.
    constexpr R safemin = std::numeric_limits<R>::min();
    constexpr R bignum = one / safemin;
    R abs_pivot = std::abs(pivot);
    if (abs_pivot >= one) return;
    perturb = std::max(std::abs(perturb), safemin);
    perturb = std::copysign(perturb, std::real(pivot));
    bool stop = false;
    R max_factor = k > 0 ? std::abs(row[0]) : R(0);
    for (int64_t c = 1; c < k; ++c) max_factor = std::max(max_factor, std::abs(row[c]));
    while (abs_pivot < one && !stop) {
      if (abs_pivot < safemin) {
        if (abs_pivot == 0 || max_factor * safemin > abs_pivot) {
          pivot += perturb;
          perturb *= 2;
        } else {
          pivot *= bignum;
          for (int64_t c = 0; c < k; ++c) row[c] *= bignum;
          stop = true;
        }
      } else if (max_factor > abs_pivot * bignum) {
        pivot += perturb;
        perturb *= 2;
      } else {
        stop = true;
      }
      abs_pivot = std::abs(pivot);
    }
  }

  // row * (1 / pivot), as TF writes each solution row of the perturbed solve.
  static void ScaleRow(const T* row, T pivot, T* out, int64_t k) {
    const T inverse = math::SmithDivide(T(1), pivot);
    for (int64_t c = 0; c < k; ++c) out[c] = math::PacketMul(row[c], inverse);
  }

  // Pivoting with perturbed singular pivots; u holds 3n scratch values, row k.
  void SolvePerturbed(T* u, T* row) const {
    constexpr R eps = std::numeric_limits<R>::epsilon();
    if (n == 1) {
      T denom = diag[0];
      const R tol = eps * std::abs(denom);
      std::copy(rhs_row(0), rhs_row(0) + k, row);
      MaybePerturbPivot(tol, denom, row, k);
      ScaleRow(row, denom, x_row(0), k);
      return;
    }
    T* u0 = u;
    T* u1 = u + n;
    T* u2 = u + 2 * n;
    u0[0] = diag[0];
    u1[0] = super[0];
    R max_abs_u = std::max(std::abs(u0[0]), std::abs(u1[0]));
    R scale1 = std::abs(u0[0]) + std::abs(u1[0]);
    std::copy(rhs_row(0), rhs_row(0) + k, x_row(0));
    for (int64_t i = 0; i < n - 1; ++i) {
      const T s = sub[i + 1];
      T* xi = x_row(i);
      T* xn = x_row(i + 1);
      const T* bn = rhs_row(i + 1);
      u0[i + 1] = diag[i + 1];
      R scale2 = std::abs(s) + std::abs(u0[i + 1]);
      if (i < n - 2) scale2 += std::abs(super[i + 1]);
      if (s == T(0)) {
        // The subdiagonal entry is already zero.
        scale1 = scale2;
        u1[i + 1] = super[i + 1];
        u2[i] = T(0);
        std::copy(bn, bn + k, xn);
      } else {
        const R piv1 = u0[i] == T(0) ? R(0) : std::abs(u0[i]) / scale1;
        const R piv2 = std::abs(s) / scale2;
        if (piv2 <= piv1) {
          // No row interchange.
          scale1 = scale2;
          const T factor = math::SmithDivide(s, u0[i]);
          u0[i + 1] = diag[i + 1] - math::PacketMul(factor, u1[i]);
          u1[i + 1] = super[i + 1];
          u2[i] = T(0);
          for (int64_t c = 0; c < k; ++c) xn[c] = bn[c] - math::PacketMul(factor, xi[c]);
        } else {
          // Rows i and i + 1 interchanged.
          const T factor = math::SmithDivide(u0[i], s);
          u0[i] = s;
          u0[i + 1] = u1[i] - math::PacketMul(factor, diag[i + 1]);
          u1[i] = diag[i + 1];
          if (i < n - 2) {
            u2[i] = super[i + 1];
            u1[i + 1] = math::PacketMul(-factor, super[i + 1]);
          }
          for (int64_t c = 0; c < k; ++c) {
            const T b = bn[c];
            xn[c] = xi[c] - math::PacketMul(factor, b);
            xi[c] = b;
          }
        }
      }
      if (i < n - 2) {
        max_abs_u = std::max(max_abs_u, std::abs(u0[i]));
        max_abs_u = std::max(max_abs_u, std::abs(u1[i]));
        max_abs_u = std::max(max_abs_u, std::abs(u2[i]));
      }
    }
    max_abs_u = std::max(max_abs_u, std::abs(u0[n - 1]));

    // Back substitution, U x = z, with the pivots perturbed on the scale of tol.
    const R tol = eps * max_abs_u;
    T denom = u0[n - 1];
    std::copy(x_row(n - 1), x_row(n - 1) + k, row);
    MaybePerturbPivot(tol, denom, row, k);
    ScaleRow(row, denom, x_row(n - 1), k);
    {
      denom = u0[n - 2];
      const T* cur = x_row(n - 2);
      const T* next = x_row(n - 1);
      const T a = u1[n - 2];
      for (int64_t c = 0; c < k; ++c) row[c] = cur[c] - math::PacketMul(a, next[c]);
      MaybePerturbPivot(std::copysign(tol, std::real(denom)), denom, row, k);
      ScaleRow(row, denom, x_row(n - 2), k);
    }
    for (int64_t i = n - 3; i >= 0; --i) {
      const T* cur = x_row(i);
      const T* next = x_row(i + 1);
      const T* next2 = x_row(i + 2);
      const T a = u1[i], b = u2[i];
      for (int64_t c = 0; c < k; ++c) row[c] = cur[c] - math::PacketMul(a, next[c]) - math::PacketMul(b, next2[c]);
      denom = u0[i];
      MaybePerturbPivot(std::copysign(tol, std::real(denom)), denom, row, k);
      ScaleRow(row, denom, x_row(i), k);
    }
  }
};

template <typename T>
Status Solve(KernelContext& ctx, const TridiagonalSolveParams& p) {
  const ConstTensor& diagonals = ctx.input(0);
  const ConstTensor& rhs = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t n = rhs.dim(-2);
  const int64_t k = rhs.dim(-1);
  const int64_t batch = BatchSize(rhs.shape());
  if (n == 0 || k == 0 || batch == 0) return Status::Ok();
  const bool pivoting = p.partial_pivoting;
  const bool perturb = p.partial_pivoting && p.perturb_singular;
  // Rough nanoseconds per system: a division and a few products per row and
  // right-hand side.
  const int64_t cost = MatrixCost(static_cast<double>(n) * (3.0 * static_cast<double>(k) + 10.0));
  ctx.ParallelFor(batch, cost, [&](int64_t begin, int64_t end) {
    std::vector<T> scratch(static_cast<size_t>(3 * n + k));
    for (int64_t b = begin; b < end; ++b) {
      const T* d = diagonals.data<T>() + b * 3 * n;
      const Tridiagonal<T> system{d, d + n, d + 2 * n, rhs.data<T>() + b * n * k, output.data<T>() + b * n * k, n, k};
      if (perturb) {
        system.SolvePerturbed(scratch.data(), scratch.data() + 3 * n);
      } else if (n == 1) {
        system.SolveScalar();
      } else if (pivoting) {
        system.SolvePivoting(scratch.data());
      } else {
        system.SolveThomas(scratch.data());
      }
    }
  });
  return Status::Ok();
}

Status TridiagonalSolveKernel(KernelContext& ctx, const TridiagonalSolveParams& p) {
  return Dispatch<float, double, std::complex<float>, std::complex<double>>(
      ctx.input(0).dtype(), [&](auto tag) { return Solve<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("TridiagonalSolve")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Solves T X = B for each tridiagonal T given by its three diagonals [..., 3, M] "
                              "(tf.linalg.tridiagonal_solve, 'compact' format), with partial pivoting, the Thomas "
                              "algorithm, or perturbed singular pivots.")
                         .Input("diagonals: T")
                         .Input("rhs: T")
                         .Output("output: T")
                         .Params<TridiagonalSolveParams>()
                         .Attr("T: {float, double, complex64, complex128}")
                         .ShapeRule(TridiagonalSolveShape)
                         .Kernel(TridiagonalSolveKernel));

}  // namespace
}  // namespace opbridge
