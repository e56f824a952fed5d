// Cholesky built for AVX2 without FMA (cmake/IsaObjects.cmake;
// avx2_entries.h says why).
#include "cholesky_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "cholesky_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_CHOLESKY_AVX2(T, Real, suffix)                                \
  void opbridge_avx2_cholesky_##suffix(const T* in, T* out, int64_t count, int64_t n) { \
    opbridge::linalg::FactorCholesky<T>(in, out, count, n);                            \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_CHOLESKY_AVX2)
}
