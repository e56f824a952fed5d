// MatrixSolveLs built for AVX2 without FMA (cmake/IsaObjects.cmake;
// avx2_entries.h says why): the Cholesky path of every type, the complete
// orthogonal decomposition of all but complex64 (matrix_solve_ls_cod_c64_avx2.cc).
#include <complex>

#include "matrix_solve_ls_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_solve_ls_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_SOLVE_LS_CHOL_AVX2(T, Real, suffix)                                                       \
  int64_t opbridge_avx2_solve_ls_chol_##suffix(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, \
                                               int64_t k, double l2) {                                           \
    return opbridge::linalg::SolveByCholesky<T>(a, b, x, count, m, n, k, l2);                                    \
  }
#define OPBRIDGE_DEFINE_SOLVE_LS_COD_AVX2(T, suffix)                                                          \
  void opbridge_avx2_solve_ls_cod_##suffix(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, \
                                           int64_t k) {                                                       \
    opbridge::linalg::SolveByCod<T>(a, b, x, count, m, n, k);                                                 \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_SOLVE_LS_CHOL_AVX2)
OPBRIDGE_DEFINE_SOLVE_LS_COD_AVX2(float, f32)
OPBRIDGE_DEFINE_SOLVE_LS_COD_AVX2(double, f64)
OPBRIDGE_DEFINE_SOLVE_LS_COD_AVX2(std::complex<double>, c128)
}
