// Eig built for AVX2 without FMA (cmake/IsaObjects.cmake; avx2_entries.h
// says why).
#include "eig_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "eig_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_EIG_AVX2(T, Real, suffix)                                                 \
  void opbridge_avx2_eig_##suffix(const T* in, int64_t count, int64_t n, bool compute_v,         \
                                  std::complex<Real>* e, std::complex<Real>* v, bool* failed) {  \
    opbridge::linalg::DecomposeGeneral<T>(in, count, n, compute_v, e, v, failed);                \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_EIG_AVX2)
}
