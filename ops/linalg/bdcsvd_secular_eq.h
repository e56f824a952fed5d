// Eigen's BDCSVD::secularEq for the matrix types Svd decomposes, with its
// divisions in AVX2 lanes (chosen at run time; the baseline build keeps
// Eigen's loop).
//
// Profiled (f32 [16,64,32], singular values only), a third of Svd's time
// was this function: the secular equation's sum of m terms
// (col0 / (diagShifted - mu)) * (col0 / (diag + shift + mu)), two divisions
// per term one at a time. The terms are independent: here 8 floats or 4
// doubles of them are computed at once, with the same operations in the same
// order, and then added to the sum one by one in Eigen's order, so the sum
// and everything BDCSVD derives from it keep their bits.
//
// Explicit specializations of a member of Eigen's class template, declared
// before svd.cc instantiates BDCSVD (this header is included there, and no
// other file uses BDCSVD). Their signature is Eigen's own, so an Eigen that
// changes it fails to compile here rather than silently using its loop.
#pragma once

#include <Eigen/SVD>
#include <complex>
#include <cstdint>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../math/avx2_dispatch.h"

namespace opbridge::linalg::bdcsvd {

static_assert(sizeof(Eigen::Index) == 8, "the AVX2 gathers take 64-bit indices");

// Eigen's loop from index `first` on, adding to `res` the term of perm[i]
// in order (from 0 with res = 1: the whole secular equation).
template <typename Real>
Real SecularEqFrom(Eigen::Index first, Real res, Real mu, const Real* col0, const Real* diag,
                   const Eigen::Index* perm, Eigen::Index m, const Real* diag_shifted, Real shift) {
  for (Eigen::Index i = first; i < m; ++i) {
    const Eigen::Index j = perm[i];
    res += (col0[j] / (diag_shifted[j] - mu)) * (col0[j] / (diag[j] + shift + mu));
  }
  return res;
}

#if defined(__x86_64__)
// The terms of a block of 8 (float) or 4 (double) indices, then their sum in
// order; the last indices through Eigen's loop.
__attribute__((target("avx2"))) inline float SecularEqAvx2(float mu, const float* col0, const float* diag,
                                                            const Eigen::Index* perm, Eigen::Index m,
                                                            const float* diag_shifted, float shift) {
  float res = 1.0f;
  const __m256 mu8 = _mm256_set1_ps(mu), shift8 = _mm256_set1_ps(shift);
  Eigen::Index i = 0;
  for (; i + 8 <= m; i += 8) {
    const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(perm + i));
    const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(perm + i + 4));
    const auto gather = [&](const float* base) __attribute__((target("avx2"))) {
      return _mm256_set_m128(_mm256_i64gather_ps(base, high, 4), _mm256_i64gather_ps(base, low, 4));
    };
    const __m256 c = gather(col0);
    const __m256 left = _mm256_div_ps(c, _mm256_sub_ps(gather(diag_shifted), mu8));
    const __m256 right = _mm256_div_ps(c, _mm256_add_ps(_mm256_add_ps(gather(diag), shift8), mu8));
    alignas(32) float terms[8];
    _mm256_store_ps(terms, _mm256_mul_ps(left, right));
    for (float t : terms) res += t;
  }
  return SecularEqFrom(i, res, mu, col0, diag, perm, m, diag_shifted, shift);
}

__attribute__((target("avx2"))) inline double SecularEqAvx2(double mu, const double* col0, const double* diag,
                                                             const Eigen::Index* perm, Eigen::Index m,
                                                             const double* diag_shifted, double shift) {
  double res = 1.0;
  const __m256d mu4 = _mm256_set1_pd(mu), shift4 = _mm256_set1_pd(shift);
  Eigen::Index i = 0;
  for (; i + 4 <= m; i += 4) {
    const __m256i index = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(perm + i));
    const __m256d c = _mm256_i64gather_pd(col0, index, 8);
    const __m256d left = _mm256_div_pd(c, _mm256_sub_pd(_mm256_i64gather_pd(diag_shifted, index, 8), mu4));
    const __m256d right =
        _mm256_div_pd(c, _mm256_add_pd(_mm256_add_pd(_mm256_i64gather_pd(diag, index, 8), shift4), mu4));
    alignas(32) double terms[4];
    _mm256_store_pd(terms, _mm256_mul_pd(left, right));
    for (double t : terms) res += t;
  }
  return SecularEqFrom(i, res, mu, col0, diag, perm, m, diag_shifted, shift);
}
#endif

template <typename Real>
Real SecularEq(Real mu, const Real* col0, const Real* diag, const Eigen::Index* perm, Eigen::Index m,
               const Real* diag_shifted, Real shift) {
#if defined(__x86_64__)
  if (math::UseAvx2()) return SecularEqAvx2(mu, col0, diag, perm, m, diag_shifted, shift);
#endif
  return SecularEqFrom(Eigen::Index{0}, Real(1), mu, col0, diag, perm, m, diag_shifted, shift);
}

}  // namespace opbridge::linalg::bdcsvd

// Svd's BDCSVD types: row-major dynamic matrices, default options.
#define OPBRIDGE_BDCSVD_SECULAR_EQ(Scalar)                                                                       \
  template <>                                                                                                    \
  inline Eigen::BDCSVD<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>::RealScalar        \
  Eigen::BDCSVD<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>::secularEq(             \
      RealScalar mu, const ArrayRef& col0, const ArrayRef& diag, const IndicesRef& perm,                         \
      const ArrayRef& diagShifted, RealScalar shift) {                                                           \
    return opbridge::linalg::bdcsvd::SecularEq<RealScalar>(mu, col0.data(), diag.data(), perm.data(), perm.size(), \
                                                           diagShifted.data(), shift);                          \
  }

OPBRIDGE_BDCSVD_SECULAR_EQ(float)
OPBRIDGE_BDCSVD_SECULAR_EQ(double)
OPBRIDGE_BDCSVD_SECULAR_EQ(std::complex<float>)
OPBRIDGE_BDCSVD_SECULAR_EQ(std::complex<double>)

#undef OPBRIDGE_BDCSVD_SECULAR_EQ
