// MatrixLogarithm's work on consecutive matrices, shared by
// matrix_logarithm.cc (the baseline build) and matrix_logarithm_avx2.cc
// (AVX2 without FMA: the packet width and roundings of TF's x86-64 wheel,
// which is built for AVX).
//
// As TF's CPU kernel: Eigen's MatrixFunctions log() of a row-major copy of
// each matrix (a complex Schur decomposition, eigenvalues clustered, each
// diagonal block's logarithm by inverse scaling and squaring with Pade
// approximants, the blocks joined by Sylvester solves).
#pragma once

#include <Eigen/Core>
#include <complex>
#include <cstdint>
#include <unsupported/Eigen/MatrixFunctions>

namespace opbridge::linalg {

// in, out: `count` row-major n x n matrices.
template <typename T>
void LogarithmRange(const T* in, int64_t count, int64_t n, T* out) {
  using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMatrix a(n, n);
  for (int64_t b = 0; b < count; ++b) {
    // The copy, as TF: log() of a row-major matrix, written into the map.
    a = Eigen::Map<const RowMatrix>(in + b * n * n, n, n);
    Eigen::Map<RowMatrix>(out + b * n * n, n, n) = a.log();
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
// The AVX2 (no FMA) builds of LogarithmRange (matrix_logarithm_avx2.cc).
#define OPBRIDGE_LOGM_AVX2_ENTRIES(X) \
  X(std::complex<float>, c64)         \
  X(std::complex<double>, c128)
#define OPBRIDGE_DECLARE_LOGM_AVX2(T, suffix) \
  void opbridge_avx2_logm_##suffix(const T* in, int64_t count, int64_t n, T* out);
extern "C" {
OPBRIDGE_LOGM_AVX2_ENTRIES(OPBRIDGE_DECLARE_LOGM_AVX2)
}
#undef OPBRIDGE_DECLARE_LOGM_AVX2
#endif
