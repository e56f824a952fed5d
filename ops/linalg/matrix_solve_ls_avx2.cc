// MatrixSolveLs built for AVX2 without FMA (cmake/IsaObjects.cmake;
// avx2_entries.h says why).
//
// Complex division as TF's clang-built wheel does it: Smith's algorithm in
// the element type, inline (GCC's -fcx-fortran-rules). GCC's default calls
// libgcc's __divsc3, which divides complex64 in double and rounds some
// quotients 1 ulp apart: the complete orthogonal decomposition's Householder
// vectors and triangular solve divide by complex scalars, and its complex64
// solutions differed from TF's in 174 of 200 random systems (0 with Smith's).
// complex128 is unchanged (libgcc's __divdc3 is Smith's in double too). The
// pragma covers this file's Eigen instantiations only: this object's copies
// are private to it (cmake/IsaObjects.cmake), so other ops never link them.
#pragma GCC optimize("cx-fortran-rules")

#include "matrix_solve_ls_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_solve_ls_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_SOLVE_LS_AVX2(T, Real, suffix)                                                        \
  int64_t opbridge_avx2_solve_ls_##suffix(const T* a, const T* b, T* x, int64_t count, int64_t m, int64_t n, \
                                          int64_t k, bool fast, double l2) {                                 \
    return opbridge::linalg::SolveLeastSquares<T>(a, b, x, count, m, n, k, fast, l2);                        \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_SOLVE_LS_AVX2)
}
