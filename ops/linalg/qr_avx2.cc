// Qr built for AVX2 without FMA (cmake/IsaObjects.cmake): the packet width
// and roundings of TF's x86-64 wheel (qr_factor.h says why).
#include "qr_factor.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "qr_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_QR_AVX2(T, Real, suffix)                                                          \
  void opbridge_avx2_qr_##suffix(const T* a, int64_t count, int64_t m, int64_t n, bool full, T* q, T* r) { \
    opbridge::linalg::FactorQrs<T>(a, count, m, n, full, q, r);                                            \
  }
extern "C" {
OPBRIDGE_QR_AVX2_TYPES(OPBRIDGE_DEFINE_QR_AVX2)
}
