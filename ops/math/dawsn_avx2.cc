// Dawsn's packets built for AVX2 without FMA (cmake/IsaObjects.cmake): 8
// floats or 4 doubles a packet, every lane the scalar's operations, so TF's
// bits (dawson.h).
#include "dawson.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "dawsn_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

extern "C" void opbridge_avx2_f32_dawsn(const float* in, float* out, int64_t n) {
  opbridge::math::dawson::DawsonPackets(in, out, n);
}

extern "C" void opbridge_avx2_f64_dawsn(const double* in, double* out, int64_t n) {
  opbridge::math::dawson::DawsonPackets(in, out, n);
}
