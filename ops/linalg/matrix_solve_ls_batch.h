// MatrixSolveLs's per-matrix solves (matrix_solve_ls.cc), shared by the
// baseline build and matrix_solve_ls_avx2.cc (AVX2 without FMA: TF's packet
// width, avx2_entries.h says why). One entry per element type covers both
// paths (fast and complete orthogonal decomposition), so each build
// instantiates one function per type.
//
// The Eigen expressions are TF's, in TF's order, on row-major maps (TF's
// LinearAlgebraOp matrices); the same expressions on the same Eigen are
// what gives TF's bits.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/QR>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

// a: `count` m x n matrices, b: `count` m x k, x: `count` n x k (m, n, k > 0).
// fast: the normal equations with Cholesky (m >= n: (A^H A + l2 I) X = A^H B;
// m < n: X = A^H (A A^H + l2 I)^-1 B), else Eigen's complete orthogonal
// decomposition (l2 ignored). Returns the index of the first matrix whose
// Cholesky failed (fast only; the rest are not solved), or -1.
template <typename T>
int64_t SolveLeastSquares(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, int64_t k, bool fast,
                          double l2) {
  if (!fast) {
    Eigen::CompleteOrthogonalDecomposition<RowMatrix<T>> cod(m, n);
    for (int64_t i = 0; i < count; ++i) {
      cod.compute(ConstMatrixMap<T>(a + i * m * n, m, n));
      MatrixMap<T>(x + i * n * k, n, k) = cod.solve(ConstMatrixMap<T>(b + i * m * k, m, k));
    }
    return -1;
  }
  // The Gramian's order: n (first kind) or m (second kind). Its upper
  // triangle is never read (the factorization is of the lower one).
  const bool over = m >= n;
  const int64_t g = over ? n : m;
  RowMatrix<T> gramian = RowMatrix<T>::Zero(g, g);
  const T diagonal = static_cast<T>(l2);
  for (int64_t i = 0; i < count; ++i) {
    ConstMatrixMap<T> matrix(a + i * m * n, m, n);
    ConstMatrixMap<T> rhs(b + i * m * k, m, k);
    MatrixMap<T> out(x + i * n * k, n, k);
    if (over) {
      gramian.template triangularView<Eigen::Lower>() = matrix.adjoint() * matrix;
    } else {
      gramian.template triangularView<Eigen::Lower>() = matrix * matrix.adjoint();
    }
    if (l2 > 0) gramian += (diagonal * RowMatrix<T>::Ones(g, 1)).asDiagonal();
    const Eigen::LLT<Eigen::Ref<RowMatrix<T>>, Eigen::Lower> llt(gramian);
    if (llt.info() != Eigen::Success) return i;
    if (over) {
      out.noalias() = matrix.adjoint() * rhs;
      llt.solveInPlace(out);
    } else {
      out.noalias() = matrix.adjoint() * llt.solve(rhs);
    }
  }
  return -1;
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_SOLVE_LS_AVX2(T, Real, suffix)                                                       \
  int64_t opbridge_avx2_solve_ls_##suffix(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, \
                                          int64_t k, bool fast, double l2);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_SOLVE_LS_AVX2)
}
#undef OPBRIDGE_DECLARE_SOLVE_LS_AVX2
#endif

namespace opbridge::linalg {

// SolveLeastSquares on the AVX2 build where the CPU has it.
template <typename T>
int64_t RunSolveLeastSquares(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, int64_t k, bool fast,
                             double l2) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_SOLVE_LS_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_solve_ls_##suffix(a, b, x, count, m, n, k, fast, l2);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_SOLVE_LS_AVX2)
#undef OPBRIDGE_CALL_SOLVE_LS_AVX2
  }
#endif
  return SolveLeastSquares<T>(a, b, x, count, m, n, k, fast, l2);
}

}  // namespace opbridge::linalg
