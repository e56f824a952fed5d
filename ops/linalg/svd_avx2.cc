// Svd built for AVX2 without FMA (cmake/IsaObjects.cmake; avx2_entries.h
// says why): Eigen's JacobiSVD and BDCSVD on TF's packet width.
#include "bdcsvd_secular_eq.h"  // before BDCSVD is instantiated below
#include "svd_range.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "svd_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

namespace {
template <typename T>
using RowMatrix = opbridge::linalg::RowMatrix<T>;
}  // namespace

#define OPBRIDGE_DEFINE_SVD_AVX2(T, Real, suffix)                                                                   \
  void opbridge_avx2_svd_jacobi_##suffix(const T* in, int64_t count, int64_t m, int64_t n, bool compute_uv,        \
                                         bool full_matrices, unsigned int options, T* s, T* u, T* v) {             \
    opbridge::linalg::svd::DecomposeMatrices<T, Eigen::JacobiSVD<RowMatrix<T>>>(in, count, m, n, compute_uv,       \
                                                                              full_matrices, options, s, u, v);   \
  }                                                                                                                 \
  void opbridge_avx2_svd_bdc_##suffix(const T* in, int64_t count, int64_t m, int64_t n, bool compute_uv,           \
                                      bool full_matrices, unsigned int options, T* s, T* u, T* v) {                \
    opbridge::linalg::svd::DecomposeMatrices<T, Eigen::BDCSVD<RowMatrix<T>>>(in, count, m, n, compute_uv,          \
                                                                           full_matrices, options, s, u, v);      \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_SVD_AVX2)
}
