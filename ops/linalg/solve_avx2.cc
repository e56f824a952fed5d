// MatrixSolve built for AVX2 without FMA (cmake/IsaObjects.cmake;
// avx2_entries.h says why).
#include "solve_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "solve_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_SOLVE_AVX2(T, Real, suffix)                                                           \
  void opbridge_avx2_solve_##suffix(const T* a, const T* rhs, T* out, int64_t count, int64_t n, int64_t k,  \
                                    bool adjoint, bool* singular) {                                           \
    opbridge::linalg::SolveSystems<T>(a, rhs, out, count, n, k, adjoint, singular);                           \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_SOLVE_AVX2)
}
