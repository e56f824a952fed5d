// MatrixSolveLs's complete orthogonal decomposition for complex64, built for
// AVX2 without FMA (cmake/IsaObjects.cmake; avx2_entries.h says why), with
// complex division as TF's clang-built wheel does it: Smith's algorithm in
// float, inline (GCC's -fcx-fortran-rules). GCC's default calls libgcc's
// __divsc3, which divides in double and rounds some quotients 1 ulp apart:
// the decomposition's Householder vectors and triangular solve divide by
// complex scalars, and its complex64 solutions differed from TF's in 174 of
// 200 random systems (0 with Smith's). complex128 needs nothing (libgcc's
// __divdc3 is Smith's in double too).
//
// A file of its own because `#pragma GCC optimize` slows everything it
// covers (the COD of float and double ran 2x slower under it, measured with
// Eigen alone): only this path pays. The pragma cannot leak into other ops:
// this object's Eigen copies are private to it (cmake/IsaObjects.cmake).
#pragma GCC optimize("cx-fortran-rules")

#include <complex>

#include "matrix_solve_ls_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_solve_ls_cod_c64_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

extern "C" void opbridge_avx2_solve_ls_cod_c64(const std::complex<float>* a, const std::complex<float>* b,
                                               std::complex<float>* x, int64_t count, int64_t m, int64_t n,
                                               int64_t k) {
  opbridge::linalg::SolveByCod<std::complex<float>>(a, b, x, count, m, n, k);
}
