// Xlog1py's float32 packet log (xdivy_xlog1py.h) built for AVX2 without FMA
// (cmake/IsaObjects.cmake): Eigen's float plog on 8 lanes, TF's packet width;
// each lane the baseline build's operations, so the same bits at about half
// the time (the baseline's 4-lane log took Opbridge>Xlog1py to 1.65x TF's).
#include "xdivy_xlog1py.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "xlog1py_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

extern "C" void opbridge_avx2_f32_xlog1py_log(const float* in, float* out, int64_t n) {
  opbridge::math::ElementwiseRange(in, out, n, opbridge::math::packet_exprs::Log{});
}
