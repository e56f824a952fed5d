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

}  // namespace opbridge::linalg
