// MatrixSolveLs's complete orthogonal decomposition for complex64, built for
// AVX2 without FMA (cmake/IsaObjects.cmake; avx2_entries.h says why), with
// complex division as TF's clang-built wheel does it: Smith's algorithm in
// float. By default GCC compiles a complex<float> division to a call of
// libgcc's __divsc3, which divides in double and rounds some quotients 1 ulp
// apart: the decomposition's Householder vectors and triangular solve divide
// by complex scalars, and its complex64 solutions differed from TF's in 174
// of 200 random systems (0 with Smith's).
//
// So this file alone is compiled with -fcx-fortran-rules (CMakeLists.txt),
// which makes GCC expand every complex division inline as Smith's algorithm
// (what math::SmithDivide writes out), and without the SLP vectorizer, whose
// complex broadcasts cost this path half its time; CMakeLists.txt says why
// each. (Before 2026-12-06 the file defined __divsc3 itself, out of line: a
// call per element of each Householder vector, 1.59x TF's time with the
// broadcasts, 0.74x now.) The division flag is checked below, as a build
// without it would silently lose TF's bits; the other only costs time.
#include <complex>

#include "matrix_solve_ls_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_solve_ls_cod_c64_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif
// GCC defines __GCC_IEC_559_COMPLEX as 0 when complex arithmetic does not
// follow C99 Annex G: -fcx-fortran-rules (and -fcx-limited-range, which this
// build never passes).
#if !defined(__GCC_IEC_559_COMPLEX) || __GCC_IEC_559_COMPLEX != 0
#error "matrix_solve_ls_cod_c64_avx2.cc must be compiled with -fcx-fortran-rules (CMakeLists.txt)"
#endif

extern "C" void opbridge_avx2_solve_ls_cod_c64(const std::complex<float>* a, const std::complex<float>* b,
                                               std::complex<float>* x, int64_t count, int64_t m, int64_t n,
                                               int64_t k) {
  opbridge::linalg::SolveByCod<std::complex<float>>(a, b, x, count, m, n, k);
}
