// MatrixSolve's solves of consecutive systems, shared by matrix_solve.cc (the
// baseline build) and solve_avx2.cc (AVX2 without FMA, avx2_entries.h says
// why): Eigen's partial-pivot LU of A (or A^H) on a row-major map, TF's
// singularity test, then the LU's solve.
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

// a: `count` n x n matrices, rhs and out: `count` n x k ones; singular[b]
// set for a matrix with a pivot that is not > 0 in magnitude (its output is
// left as it was). `!(x > 0)` rather than `x <= 0`: as TF (minCoeff skips
// NaN), a NaN pivot is not "singular" and the solve returns NaN.
template <typename T>
void SolveSystems(const T* a, const T* rhs, T* out, int64_t count, int64_t n, int64_t k, bool adjoint,
                  bool* singular) {
  using Real = typename Eigen::NumTraits<T>::Real;
  Eigen::PartialPivLU<RowMatrix<T>> lu(n);
  for (int64_t b = 0; b < count; ++b) {
    const ConstMatrixMap<T> matrix(a + b * n * n, n, n);
    if (adjoint) {
      lu.compute(matrix.adjoint());
    } else {
      lu.compute(matrix);
    }
    singular[b] = !(lu.matrixLU().diagonal().cwiseAbs().minCoeff() > Real(0));
    if (singular[b]) continue;
    MatrixMap<T>(out + b * n * k, n, k).noalias() = lu.solve(ConstMatrixMap<T>(rhs + b * n * k, n, k));
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_SOLVE_AVX2(T, Real, suffix)                                                         \
  void opbridge_avx2_solve_##suffix(const T* a, const T* rhs, T* out, int64_t count, int64_t n, int64_t k, \
                                    bool adjoint, bool* singular);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_SOLVE_AVX2)
}
#undef OPBRIDGE_DECLARE_SOLVE_AVX2
#endif

namespace opbridge::linalg {

// SolveSystems on the AVX2 build where the CPU has it.
template <typename T>
void RunSolveSystems(const T* a, const T* rhs, T* out, int64_t count, int64_t n, int64_t k, bool adjoint,
                     bool* singular) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_SOLVE_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_solve_##suffix(a, rhs, out, count, n, k, adjoint, singular);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_SOLVE_AVX2)
#undef OPBRIDGE_CALL_SOLVE_AVX2
  }
#endif
  SolveSystems<T>(a, rhs, out, count, n, k, adjoint, singular);
}

}  // namespace opbridge::linalg
