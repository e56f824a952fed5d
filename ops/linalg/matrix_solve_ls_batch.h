// MatrixSolveLs's per-matrix solves (matrix_solve_ls.cc), shared by the
// baseline build and the AVX2 builds (AVX2 without FMA: TF's packet width,
// avx2_entries.h says why). Each build instantiates each path once per type.
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

// a: `count` m x n matrices, b: `count` m x k, x: `count` n x k (m, n, k > 0),
// solved by Eigen's complete orthogonal decomposition (the minimum-norm
// least-squares solutions, any rank).
template <typename T>
void SolveByCod(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, int64_t k) {
  Eigen::CompleteOrthogonalDecomposition<RowMatrix<T>> cod(m, n);
  for (int64_t i = 0; i < count; ++i) {
    cod.compute(ConstMatrixMap<T>(a + i * m * n, m, n));
    MatrixMap<T>(x + i * n * k, n, k) = cod.solve(ConstMatrixMap<T>(b + i * m * k, m, k));
  }
}

// The same by the normal equations with Cholesky (TF's fast path): m >= n,
// (A^H A + l2 I) X = A^H B; m < n, X = A^H (A A^H + l2 I)^-1 B. Returns the
// index of the first matrix whose Cholesky failed (the rest are not
// solved), or -1.
template <typename T>
int64_t SolveByCholesky(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, int64_t k, double l2) {
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
// The AVX2 builds: matrix_solve_ls_avx2.cc (Cholesky for every type, the COD
// for all but complex64) and matrix_solve_ls_cod_c64_avx2.cc (complex64's
// COD, with clang's complex division: that file says why).
#define OPBRIDGE_DECLARE_SOLVE_LS_AVX2(T, Real, suffix)                                                     \
  int64_t opbridge_avx2_solve_ls_chol_##suffix(const T* a, const T* b, T* x, int64_t count, int64_t m,     \
                                               int64_t n, int64_t k, double l2);                          \
  void opbridge_avx2_solve_ls_cod_##suffix(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, \
                                           int64_t k);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_SOLVE_LS_AVX2)
}
#undef OPBRIDGE_DECLARE_SOLVE_LS_AVX2
#endif

namespace opbridge::linalg {

// fast: SolveByCholesky, else SolveByCod (-1), on the AVX2 build where the CPU has it.
template <typename T>
int64_t RunSolveLeastSquares(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, int64_t k, bool fast,
                             double l2) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_SOLVE_LS_AVX2(U, Real, suffix)                                      \
  if constexpr (std::is_same_v<T, U>) {                                                   \
    if (fast) return opbridge_avx2_solve_ls_chol_##suffix(a, b, x, count, m, n, k, l2); \
    opbridge_avx2_solve_ls_cod_##suffix(a, b, x, count, m, n, k);                         \
    return -1;                                                                            \
  }
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_SOLVE_LS_AVX2)
#undef OPBRIDGE_CALL_SOLVE_LS_AVX2
  }
#endif
  if (fast) return SolveByCholesky<T>(a, b, x, count, m, n, k, l2);
  SolveByCod<T>(a, b, x, count, m, n, k);
  return -1;
}

}  // namespace opbridge::linalg
