// Eig's decompositions of consecutive matrices, shared by eig.cc (the
// baseline build) and eig_avx2.cc (AVX2 without FMA, avx2_entries.h says
// why): Eigen's EigenSolver (real input) or ComplexEigenSolver on a
// row-major map, as TF's kernel.
#pragma once

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <complex>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

// in: `count` row-major n x n matrices of In (n > 0); e: n complex
// eigenvalues each; v (with compute_v): n x n eigenvectors each; failed[b]
// set where the solver does not succeed (its outputs are left as they were).
template <typename In>
void DecomposeGeneral(const In* in, int64_t count, int64_t n, bool compute_v,
                      std::complex<typename Eigen::NumTraits<In>::Real>* e,
                      std::complex<typename Eigen::NumTraits<In>::Real>* v, bool* failed) {
  using C = std::complex<typename Eigen::NumTraits<In>::Real>;
  using Solver = std::conditional_t<Eigen::NumTraits<In>::IsComplex, Eigen::ComplexEigenSolver<RowMatrix<C>>,
                                    Eigen::EigenSolver<RowMatrix<In>>>;
  Solver eig(n);
  for (int64_t b = 0; b < count; ++b) {
    eig.compute(ConstMatrixMap<In>(in + b * n * n, n, n), compute_v);
    failed[b] = eig.info() != Eigen::Success;
    if (failed[b]) continue;
    Eigen::Map<Eigen::Matrix<C, Eigen::Dynamic, 1>>(e + b * n, n) = eig.eigenvalues();
    if (compute_v) MatrixMap<C>(v + b * n * n, n, n) = eig.eigenvectors();
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_EIG_AVX2(T, Real, suffix)                                                \
  void opbridge_avx2_eig_##suffix(const T* in, int64_t count, int64_t n, bool compute_v,         \
                                  std::complex<Real>* e, std::complex<Real>* v, bool* failed);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_EIG_AVX2)
}
#undef OPBRIDGE_DECLARE_EIG_AVX2
#endif

namespace opbridge::linalg {

// DecomposeGeneral on the AVX2 build where the CPU has it, for matrices of
// 32 or more: below, the baseline build was the faster one (float64
// [64,16,16]: 0.82x TF's time against 0.91-0.97x), above it the AVX2 one
// ([4,128,128]: 0.96-0.98x against 1.07-1.09x).
template <typename In>
void RunDecomposeGeneral(const In* in, int64_t count, int64_t n, bool compute_v,
                         std::complex<typename Eigen::NumTraits<In>::Real>* e,
                         std::complex<typename Eigen::NumTraits<In>::Real>* v, bool* failed) {
#if defined(__x86_64__)
  if (math::UseAvx2() && n >= 32) {
#define OPBRIDGE_CALL_EIG_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<In, U>) return opbridge_avx2_eig_##suffix(in, count, n, compute_v, e, v, failed);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_EIG_AVX2)
#undef OPBRIDGE_CALL_EIG_AVX2
  }
#endif
  DecomposeGeneral<In>(in, count, n, compute_v, e, v, failed);
}

}  // namespace opbridge::linalg
