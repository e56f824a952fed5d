// Cholesky's factorizations of consecutive matrices, shared by cholesky.cc
// (the baseline build) and cholesky_avx2.cc (AVX2 without FMA,
// avx2_entries.h says why): Eigen's LLT on a row-major map, as TF's kernel.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

// in, out: `count` row-major n x n matrices (n > 0). Where the factorization
// fails, TF's fill: zeros above the diagonal, NaN on and below it for real T,
// but 0 for complex T (numeric_limits has no complex specialization, so
// Eigen's quiet_NaN() is T()).
template <typename T>
void FactorCholesky(const T* in, T* out, int64_t count, int64_t n) {
  Eigen::LLT<RowMatrix<T>> llt(n);
  for (int64_t b = 0; b < count; ++b) {
    MatrixMap<T> factor(out + b * n * n, n, n);
    llt.compute(ConstMatrixMap<T>(in + b * n * n, n, n));
    if (llt.info() == Eigen::Success) {
      factor = llt.matrixL();
    } else {
      factor.setZero();
      factor.template triangularView<Eigen::Lower>().setConstant(Eigen::NumTraits<T>::quiet_NaN());
    }
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_CHOLESKY_AVX2(T, Real, suffix) \
  void opbridge_avx2_cholesky_##suffix(const T* in, T* out, int64_t count, int64_t n);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_CHOLESKY_AVX2)
}
#undef OPBRIDGE_DECLARE_CHOLESKY_AVX2
#endif

namespace opbridge::linalg {

// FactorCholesky on the AVX2 build where the CPU has it.
template <typename T>
void RunFactorCholesky(const T* in, T* out, int64_t count, int64_t n) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_CHOLESKY_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_cholesky_##suffix(in, out, count, n);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_CHOLESKY_AVX2)
#undef OPBRIDGE_CALL_CHOLESKY_AVX2
  }
#endif
  FactorCholesky<T>(in, out, count, n);
}

}  // namespace opbridge::linalg
