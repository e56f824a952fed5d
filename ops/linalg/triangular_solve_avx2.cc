// MatrixTriangularSolve built for AVX2 without FMA (cmake/IsaObjects.cmake;
// avx2_entries.h says why).
#include "triangular_solve_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "triangular_solve_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_TRIANGULAR_SOLVE_AVX2(T, Real, suffix)                                       \
  void opbridge_avx2_triangular_solve_##suffix(const T* a, const T* rhs, T* out, int64_t n, int64_t k, \
                                               bool lower, bool adjoint) {                            \
    opbridge::linalg::SolveTriangular<T>(a, rhs, out, n, k, lower, adjoint);                          \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_TRIANGULAR_SOLVE_AVX2)
}
