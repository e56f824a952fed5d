// Opbridge>Atan2's packets built for AVX2 without FMA (cmake/IsaObjects.cmake):
// Eigen's patan2 on 4-double packets, the width of TF's x86-64 wheel (built
// for AVX), where the baseline build has 2. Nothing is contracted, so every
// element has the same bits on both builds: TF's.
#include "atan2_double.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "atan2_double_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

extern "C" void opbridge_avx2_f64_atan2(const double* y, int64_t y_step, const double* x, int64_t x_step, double* out,
                                        int64_t n) {
  opbridge::math::Atan2Packets(y, y_step, x, x_step, out, n);
}
