// Eigen's MatrixFunctions on consecutive matrices, for MatrixLogarithm and
// MatrixSquareRoot: shared by their op files (the baseline build) and
// matrix_functions_avx2.cc (AVX2 without FMA: the packet width and roundings
// of TF's x86-64 wheel, which is built for AVX).
//
// As TF's CPU kernels: log() / sqrt() of a row-major copy of each matrix.
// log: a complex Schur decomposition, eigenvalues clustered, each diagonal
// block's logarithm by inverse scaling and squaring with Pade approximants,
// the blocks joined by Sylvester solves. sqrt: a (real or complex) Schur
// decomposition, the square root of the triangular factor, transformed back.
#pragma once

#include <Eigen/Core>
#include <complex>
#include <cstdint>
#include <type_traits>
#include <unsupported/Eigen/MatrixFunctions>

#include "../math/avx2_dispatch.h"

namespace opbridge::linalg {

enum class MatrixFunction { kLogarithm, kSquareRoot };

// in, out: `count` row-major n x n matrices.
template <MatrixFunction kFn, typename T>
void MatrixFunctionRange(const T* in, int64_t count, int64_t n, T* out) {
  using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMatrix a(n, n);
  for (int64_t b = 0; b < count; ++b) {
    // The copy, as TF: the function of a row-major matrix, written into the map.
    a = Eigen::Map<const RowMatrix>(in + b * n * n, n, n);
    if constexpr (kFn == MatrixFunction::kLogarithm) {
      Eigen::Map<RowMatrix>(out + b * n * n, n, n) = a.log();
    } else {
      Eigen::Map<RowMatrix>(out + b * n * n, n, n) = a.sqrt();
    }
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
// The AVX2 (no FMA) builds (matrix_functions_avx2.cc): opbridge_avx2_logm_*
// (TF registers complex types only) and opbridge_avx2_sqrtm_*.
#define OPBRIDGE_LOGM_AVX2_ENTRIES(X) \
  X(std::complex<float>, c64)         \
  X(std::complex<double>, c128)
#define OPBRIDGE_SQRTM_AVX2_ENTRIES(X) \
  X(float, f32)                        \
  X(double, f64)                       \
  X(std::complex<float>, c64)          \
  X(std::complex<double>, c128)
#define OPBRIDGE_DECLARE_LOGM_AVX2(T, suffix) \
  void opbridge_avx2_logm_##suffix(const T* in, int64_t count, int64_t n, T* out);
#define OPBRIDGE_DECLARE_SQRTM_AVX2(T, suffix) \
  void opbridge_avx2_sqrtm_##suffix(const T* in, int64_t count, int64_t n, T* out);
extern "C" {
OPBRIDGE_LOGM_AVX2_ENTRIES(OPBRIDGE_DECLARE_LOGM_AVX2)
OPBRIDGE_SQRTM_AVX2_ENTRIES(OPBRIDGE_DECLARE_SQRTM_AVX2)
}
#undef OPBRIDGE_DECLARE_LOGM_AVX2
#undef OPBRIDGE_DECLARE_SQRTM_AVX2

namespace opbridge::linalg {

// The AVX2 build's entry for kFn and T (none for a real logarithm).
template <MatrixFunction kFn, typename T>
void MatrixFunctionAvx2(const T* in, int64_t count, int64_t n, T* out) {
  if constexpr (kFn == MatrixFunction::kLogarithm) {
    if constexpr (std::is_same_v<T, std::complex<float>>) opbridge_avx2_logm_c64(in, count, n, out);
    if constexpr (std::is_same_v<T, std::complex<double>>) opbridge_avx2_logm_c128(in, count, n, out);
  } else {
    if constexpr (std::is_same_v<T, float>) opbridge_avx2_sqrtm_f32(in, count, n, out);
    if constexpr (std::is_same_v<T, double>) opbridge_avx2_sqrtm_f64(in, count, n, out);
    if constexpr (std::is_same_v<T, std::complex<float>>) opbridge_avx2_sqrtm_c64(in, count, n, out);
    if constexpr (std::is_same_v<T, std::complex<double>>) opbridge_avx2_sqrtm_c128(in, count, n, out);
  }
}

}  // namespace opbridge::linalg
#endif

namespace opbridge::linalg {

// MatrixFunctionRange, in the AVX2 build where the CPU has it.
template <MatrixFunction kFn, typename T>
void ApplyMatrixFunction(const T* in, int64_t count, int64_t n, T* out) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
    MatrixFunctionAvx2<kFn, T>(in, count, n, out);
    return;
  }
#endif
  MatrixFunctionRange<kFn, T>(in, count, n, out);
}

}  // namespace opbridge::linalg
