// SelfAdjointEigV2's decompositions of consecutive matrices, shared by
// self_adjoint_eig_v2.cc (the baseline build) and eigh_avx2.cc (AVX2 without
// FMA, avx2_entries.h says why): Eigen's SelfAdjointEigenSolver on a
// row-major map, as TF's kernel.
#pragma once

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <cstdint>
#include <type_traits>

#include "../math/avx2_dispatch.h"
#include "avx2_entries.h"
#include "linalg_common.h"

namespace opbridge::linalg {

// in: `count` row-major n x n matrices (n > 0); e: n eigenvalues each, v
// (with compute_v): n x n eigenvectors each; failed[b] set where the solver
// does not succeed (its outputs are left as they were).
template <typename T>
void DecomposeSelfAdjoint(const T* in, int64_t count, int64_t n, bool compute_v, T* e, T* v, bool* failed) {
  Eigen::SelfAdjointEigenSolver<RowMatrix<T>> eig(n);
  for (int64_t b = 0; b < count; ++b) {
    eig.compute(ConstMatrixMap<T>(in + b * n * n, n, n),
                compute_v ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
    failed[b] = eig.info() != Eigen::Success;
    if (failed[b]) continue;
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, 1>>(e + b * n, n) = eig.eigenvalues().template cast<T>();
    if (compute_v) MatrixMap<T>(v + b * n * n, n, n) = eig.eigenvectors();
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_EIGH_AVX2(T, Real, suffix)                                                    \
  void opbridge_avx2_eigh_##suffix(const T* in, int64_t count, int64_t n, bool compute_v, T* e, T* v, \
                                   bool* failed);
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DECLARE_EIGH_AVX2)
}
#undef OPBRIDGE_DECLARE_EIGH_AVX2
#endif

namespace opbridge::linalg {

// DecomposeSelfAdjoint on the AVX2 build where the CPU has it.
template <typename T>
void RunDecomposeSelfAdjoint(const T* in, int64_t count, int64_t n, bool compute_v, T* e, T* v, bool* failed) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
#define OPBRIDGE_CALL_EIGH_AVX2(U, Real, suffix) \
  if constexpr (std::is_same_v<T, U>) return opbridge_avx2_eigh_##suffix(in, count, n, compute_v, e, v, failed);
    OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_CALL_EIGH_AVX2)
#undef OPBRIDGE_CALL_EIGH_AVX2
  }
#endif
  DecomposeSelfAdjoint<T>(in, count, n, compute_v, e, v, failed);
}

}  // namespace opbridge::linalg
