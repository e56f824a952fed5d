// The float64 formulas of float64_exprs.h compiled for AVX2 without FMA:
// 4-lane double packets, the width TF's x86-64 wheel (built for AVX) evaluates
// them at, where the baseline build has 2 lanes. Eigen's packet algorithms are
// the same per lane and nothing is contracted, so every element that a packet
// computes has the same bits on both builds; only a chunk's ragged tail (its
// last n % 4 elements here, n % 2 there) goes through Eigen's scalar path.
//
// Isolated like every *_avx2.cc file (cmake/IsaObjects.cmake): only the
// opbridge_avx2_* entry points stay global.
#include "elementwise_range.h"
#include "float64_exprs.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "float64_exprs_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_AVX2_FLOAT64(name)                                                         \
  void opbridge_avx2_float64_##name(const double* in, double* out, int64_t n) {                  \
    opbridge::math::ElementwiseRange(in, out, n, opbridge::math::float64_exprs::name{});         \
  }
extern "C" {
OPBRIDGE_FLOAT64_EXPRS(OPBRIDGE_DEFINE_AVX2_FLOAT64)
}
