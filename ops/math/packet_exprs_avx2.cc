// The formulas of packet_exprs.h compiled for AVX2 without FMA: packets of
// 8 floats or 4 doubles, the width TF's x86-64 wheel (built for AVX)
// evaluates them at, where the baseline build has 4 or 2. Eigen's packet
// algorithms are the same per lane and nothing is contracted, so every
// element that a packet computes has the same bits on both builds; only a
// chunk's ragged tail (its last n % 8 or n % 4 elements here, n % 4 or n % 2
// there) goes through Eigen's scalar path, as TF's tail does.
//
// Isolated like every *_avx2.cc file (cmake/IsaObjects.cmake): only the
// opbridge_avx2_* entry points stay global.
#include "elementwise_range.h"
#include "packet_exprs.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "packet_exprs_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_AVX2(T, suffix, name)                                          \
  void opbridge_avx2_##suffix##_##name(const T* in, T* out, int64_t n) {                \
    opbridge::math::ElementwiseRange(in, out, n, opbridge::math::packet_exprs::name{}); \
  }
#define OPBRIDGE_DEFINE_AVX2_F64(name) OPBRIDGE_DEFINE_AVX2(double, f64, name)
#define OPBRIDGE_DEFINE_AVX2_F32(name) OPBRIDGE_DEFINE_AVX2(float, f32, name)
#define OPBRIDGE_DEFINE_AVX2_C64(name) OPBRIDGE_DEFINE_AVX2(std::complex<float>, c64, name)
#define OPBRIDGE_DEFINE_AVX2_C128(name) OPBRIDGE_DEFINE_AVX2(std::complex<double>, c128, name)
extern "C" {
OPBRIDGE_PACKET_EXPRS_F64(OPBRIDGE_DEFINE_AVX2_F64)
OPBRIDGE_PACKET_EXPRS_F32(OPBRIDGE_DEFINE_AVX2_F32)
OPBRIDGE_PACKET_EXPRS_C64(OPBRIDGE_DEFINE_AVX2_C64)
OPBRIDGE_PACKET_EXPRS_C128(OPBRIDGE_DEFINE_AVX2_C128)
}
