// Lu's factorization of consecutive matrices, shared by lu.cc (the baseline
// build) and lu_avx2.cc (AVX2 without FMA: the packet width and roundings of
// TF's x86-64 wheel, which is built for AVX).
//
// As TF's CPU kernel: Eigen's PartialPivLU on a *column-major* copy of each
// matrix (TF's choice; a row-major one would block the factorization
// differently for n > 16); p is the transpose of Eigen's P.
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>
#include <complex>
#include <cstdint>

namespace opbridge::linalg {

// in, lu: `count` row-major n x n matrices; p: n indices each; singular[b]:
// matrix b has a pivot that is not > 0 in magnitude (TF's test, with Eigen's
// minCoeff: a NaN pivot passes or fails as in TF).
template <typename T, typename Index>
void FactorLu(const T* in, int64_t count, int64_t n, T* lu_out, Index* p_out, bool* singular) {
  using Real = typename Eigen::NumTraits<T>::Real;
  using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::PartialPivLU<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> lu(n);
  for (int64_t b = 0; b < count; ++b) {
    lu.compute(Eigen::Map<const RowMatrix>(in + b * n * n, n, n));
    Eigen::Map<RowMatrix>(lu_out + b * n * n, n, n) = lu.matrixLU();
    const Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, Index> p = lu.permutationP().transpose();
    Eigen::Map<Eigen::Matrix<Index, Eigen::Dynamic, 1>>(p_out + b * n, n) = p.indices();
    singular[b] = !(lu.matrixLU().diagonal().cwiseAbs().minCoeff() > Real(0));
  }
}

}  // namespace opbridge::linalg

#if defined(__x86_64__)
// The AVX2 (no FMA) builds of FactorLu, indices as int64 (lu_avx2.cc).
#define OPBRIDGE_LU_AVX2_ENTRIES(X) \
  X(float, f32)                     \
  X(double, f64)                    \
  X(std::complex<float>, c64)       \
  X(std::complex<double>, c128)
#define OPBRIDGE_DECLARE_LU_AVX2(T, suffix) \
  void opbridge_avx2_lu_##suffix(const T* in, int64_t count, int64_t n, T* lu, int64_t* p, bool* singular);
extern "C" {
OPBRIDGE_LU_AVX2_ENTRIES(OPBRIDGE_DECLARE_LU_AVX2)
}
#undef OPBRIDGE_DECLARE_LU_AVX2
#endif
