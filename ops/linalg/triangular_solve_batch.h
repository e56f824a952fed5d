// MatrixTriangularSolve's solve of one system, shared by
// matrix_triangular_solve.cc (the baseline build) and triangular_solve_avx2.cc
// (AVX2 without FMA, avx2_entries.h says why: Eigen's blocked triangular
// solve on 4 lanes of double took 1.2-1.9x TF's time with 128-384 columns).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

template <typename T, int UpLo>
void SolveTriangle(const ConstMatrixMap<T>& a, const ConstMatrixMap<T>& rhs, bool adjoint, MatrixMap<T> out) {
  const auto triangle = a.template triangularView<UpLo>();
  if (adjoint) {
    out.noalias() = triangle.adjoint().solve(rhs);
  } else {
    out.noalias() = triangle.solve(rhs);
  }
}

// X = A^-1 B (A^-H B with adjoint) for the lower or upper triangle of the
// n x n matrix a, with the n x k right-hand sides rhs, into out (n x k).
template <typename T>
void SolveTriangular(const T* a, const T* rhs, T* out, int64_t n, int64_t k, bool lower, bool adjoint) {
  const ConstMatrixMap<T> matrix(a, n, n), b(rhs, n, k);
  if (lower) {
    SolveTriangle<T, Eigen::Lower>(matrix, b, adjoint, MatrixMap<T>(out, n, k));
  } else {
    SolveTriangle<T, Eigen::Upper>(matrix, b, adjoint, MatrixMap<T>(out, n, k));
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_TRIANGULAR_SOLVE_AVX2(T, Real, suffix)                                      \
  void opbridge_avx2_triangular_solve_##suffix(const T* a, const T* rhs, T* out, int64_t n, int64_t k, \
                                               bool lower, bool adjoint);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_TRIANGULAR_SOLVE_AVX2)
}
#undef OPBRIDGE_DECLARE_TRIANGULAR_SOLVE_AVX2
#endif

namespace opbridge::linalg {

// SolveTriangular on the AVX2 build where the CPU has it.
template <typename T>
void RunSolveTriangular(const T* a, const T* rhs, T* out, int64_t n, int64_t k, bool lower, bool adjoint) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_TRIANGULAR_SOLVE_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_triangular_solve_##suffix(a, rhs, out, n, k, lower, adjoint);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_TRIANGULAR_SOLVE_AVX2)
#undef OPBRIDGE_CALL_TRIANGULAR_SOLVE_AVX2
  }
#endif
  SolveTriangular<T>(a, rhs, out, n, k, lower, adjoint);
}

}  // namespace opbridge::linalg
