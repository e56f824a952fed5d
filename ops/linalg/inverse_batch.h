// MatrixInverse's inversion of consecutive matrices, shared by
// matrix_inverse.cc (the baseline build) and matrix_inverse_avx2.cc (AVX2
// without FMA: the packet width and roundings of TF's x86-64 wheel, built for
// AVX).
//
// As TF's CPU kernel: Eigen's partial-pivot LU on a row-major map of each
// matrix (of its adjoint when asked), TF's invertibility test (no pivot that
// is not > 0 in magnitude), then the LU's inverse. Compute: the
// decomposition's type (float for half, else T; for Compute == T the casts
// are Eigen no-ops).
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>
#include <complex>
#include <cstdint>

namespace opbridge::linalg {

// in, out: `count` row-major n x n matrices; singular[b] set for a matrix
// that fails the test (its output is left as it was).
template <typename T, typename Compute = T>
void InvertMatrices(const T* in, T* out, int64_t count, int64_t n, bool adjoint, bool* singular) {
  using Matrix = Eigen::Matrix<Compute, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Tensors = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Real = typename Eigen::NumTraits<Compute>::Real;
  Eigen::PartialPivLU<Matrix> lu;
  for (int64_t b = 0; b < count; ++b) {
    Eigen::Map<const Tensors> a(in + b * n * n, n, n);
    Eigen::Map<Tensors> inv(out + b * n * n, n, n);
    if (adjoint) {
      lu.compute(a.adjoint().template cast<Compute>());
    } else {
      lu.compute(a.template cast<Compute>());
    }
    const Real min_abs_pivot = lu.matrixLU().diagonal().cwiseAbs().minCoeff();
    singular[b] = !(min_abs_pivot > Real(0));
    if (!singular[b]) inv.noalias() = lu.inverse().template cast<T>();
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
// The AVX2 (no FMA) builds of InvertMatrices (matrix_inverse_avx2.cc).
// float too: its baseline kernel ran at 0.2-0.4x TF's time on small
// matrices but 1.5x on one 512 x 512 (Eigen's blocked LU on 4 lanes).
#define OPBRIDGE_INVERSE_AVX2_ENTRIES(X) \
  X(float, f32)                          \
  X(double, f64)                         \
  X(std::complex<float>, c64)            \
  X(std::complex<double>, c128)
#define OPBRIDGE_DECLARE_INVERSE_AVX2(T, suffix) \
  void opbridge_avx2_inverse_##suffix(const T* in, T* out, int64_t count, int64_t n, bool adjoint, bool* singular);
extern "C" {
OPBRIDGE_INVERSE_AVX2_ENTRIES(OPBRIDGE_DECLARE_INVERSE_AVX2)
}
#undef OPBRIDGE_DECLARE_INVERSE_AVX2
#endif
