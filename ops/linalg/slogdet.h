// Sign and log|det| of one square matrix, as TF's MatrixDeterminant and
// LogMatrixDeterminant CPU kernels compute them (shared by both ops).
//
// TF copies the matrix to a column-major Eigen matrix and factors it with
// partial-pivot LU. Then sign = det(P) * prod(sign(u_ii)) and
// log|det| = sum(log|u_ii|), with Eigen's sign(): 0 for a zero pivot, NaN for
// a NaN pivot, +-1 for an infinite one, z/|z| (0 for 0) in the complex case.
// Measured with TF 2.21 (tests/test_parity_matrix_determinant.py): a singular
// matrix gives sign 0 (-0.0 after an odd permutation) and log -inf, a NaN
// gives NaN for both, an infinite pivot gives +-1 and +inf; no error. An empty
// matrix has sign 1, log 0.
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

template <typename T>
typename Eigen::NumTraits<T>::Real SignAndLogAbsDet(const ConstMatrixMap<T>& input, T* sign) {
  using Real = typename Eigen::NumTraits<T>::Real;
  using ColMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  *sign = T(1);
  if (input.size() == 0) return Real(0);
  const Eigen::PartialPivLU<ColMatrix> lu{ColMatrix(input)};
  const auto diag = lu.matrixLU().diagonal().array().eval();
  const Real log_abs_det = diag.cwiseAbs().log().sum();
  T pivot_signs(1);
  for (Eigen::Index i = 0; i < diag.size(); ++i) pivot_signs *= Eigen::numext::sign(diag(i));
  *sign = T(lu.permutationP().determinant()) * pivot_signs;
  return log_abs_det;
}

// SignAndLogAbsDet of `count` consecutive row-major n x n matrices.
template <typename T>
void SignAndLogAbsDets(const T* in, int64_t count, int64_t n, T* sign, typename Eigen::NumTraits<T>::Real* log_abs) {
  for (int64_t b = 0; b < count; ++b) log_abs[b] = SignAndLogAbsDet<T>(ConstMatrixMap<T>(in + b * n * n, n, n), &sign[b]);
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
// The AVX2 (no FMA) builds of SignAndLogAbsDets (slogdet_avx2.cc): the
// baseline build took 1.25-1.5x TF's time on one 512 x 512 matrix.
#define OPBRIDGE_DECLARE_SLOGDET_AVX2(T, Real, suffix) \
  void opbridge_avx2_slogdet_##suffix(const T* in, int64_t count, int64_t n, T* sign, Real* log_abs);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_SLOGDET_AVX2)
}
#undef OPBRIDGE_DECLARE_SLOGDET_AVX2
#endif

namespace opbridge::linalg {

// SignAndLogAbsDets on the AVX2 build where the CPU has it.
template <typename T>
void RunSignAndLogAbsDets(const T* in, int64_t count, int64_t n, T* sign, typename Eigen::NumTraits<T>::Real* log_abs) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_SLOGDET_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_slogdet_##suffix(in, count, n, sign, log_abs);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_SLOGDET_AVX2)
#undef OPBRIDGE_CALL_SLOGDET_AVX2
  }
#endif
  SignAndLogAbsDets<T>(in, count, n, sign, log_abs);
}

}  // namespace opbridge::linalg
