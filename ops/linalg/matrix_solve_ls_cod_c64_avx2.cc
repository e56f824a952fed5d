// MatrixSolveLs's complete orthogonal decomposition for complex64, built for
// AVX2 without FMA (cmake/IsaObjects.cmake; avx2_entries.h says why), with
// complex division as TF's clang-built wheel does it: Smith's algorithm in
// float (math::SmithDivide). GCC compiles a complex<float> division to a call
// of libgcc's __divsc3, which divides in double and rounds some quotients
// 1 ulp apart: the decomposition's Householder vectors and triangular solve
// divide by complex scalars, and its complex64 solutions differed from TF's
// in 174 of 200 random systems (0 with Smith's). complex128 needs nothing
// (libgcc's __divdc3 is Smith's in double too).
//
// So this file defines __divsc3 itself. The object is relinked with every
// symbol but its opbridge_avx2_* entry point made local (cmake/IsaObjects.cmake),
// so this definition serves this object's calls only, never another op's or
// the process's. (GCC's -fcx-fortran-rules would inline the same algorithm,
// but as `#pragma GCC optimize` it made this path 2.8x slower than TF;
// a per-file compile flag would need the build's ISA rules to carry one.)
#include <complex>

#include "../math/complex_scalar_ops.h"
#include "matrix_solve_ls_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_solve_ls_cod_c64_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

extern "C" {

// (a + bi) / (c + di), as clang's float complex division.
__complex__ float __divsc3(float a, float b, float c, float d) {
  const std::complex<float> q = opbridge::math::SmithDivide(std::complex<float>(a, b), std::complex<float>(c, d));
  __complex__ float r;
  __real__ r = q.real();
  __imag__ r = q.imag();
  return r;
}

void opbridge_avx2_solve_ls_cod_c64(const std::complex<float>* a, const std::complex<float>* b,
                                    std::complex<float>* x, int64_t count, int64_t m, int64_t n, int64_t k) {
  opbridge::linalg::SolveByCod<std::complex<float>>(a, b, x, count, m, n, k);
}

}  // extern "C"
