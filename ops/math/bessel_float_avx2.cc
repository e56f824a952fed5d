// The twelve Bessel functions' float loop (bessel_float_range.h) compiled for
// AVX2 without FMA: 8-lane packets, the width TF's x86-64 wheel evaluates them
// at, so the same Eigen algorithms on the same positions: the same bits as the
// baseline build's 4-lane SSE2 packets (and TF's), in half the packet
// operations. (Why AVX2 rather than TF's AVX: cmake/IsaObjects.cmake.)
//
// Built with -mavx2 -mno-fma and isolated (cmake/IsaObjects.cmake): every
// symbol of this file is made local except the opbridge_avx2_* entry points,
// so none of its AVX2-compiled Eigen or standard-library inline functions can
// stand in for the baseline build's copies elsewhere in the library. bessel.h
// calls the entry points only when the CPU has AVX2.
#include "bessel_float_range.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "bessel_float_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_AVX2_BESSEL(name)                                                                    \
  void opbridge_avx2_bessel_##name(const float* in, float* out, int64_t begin, int64_t end,                 \
                                  int64_t packet_end) {                                                      \
    opbridge::math::BesselFloatRange<Eigen::internal::scalar_bessel_##name##_op>(in, out, begin, end,      \
                                                                                  packet_end);              \
  }
extern "C" {
OPBRIDGE_BESSEL_FUNCTIONS(OPBRIDGE_DEFINE_AVX2_BESSEL)
}
