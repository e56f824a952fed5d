// MatrixLogarithm built for AVX2 without FMA (cmake/IsaObjects.cmake): the
// complex Schur decomposition and Pade steps run on 4-double / 8-float
// packets with separate multiplies and adds, as in TF's x86-64 wheel (built
// for AVX), where the baseline build has 2 / 4 lanes.
#include "matrix_logarithm_range.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_logarithm_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_LOGM_AVX2(T, suffix)                                          \
  void opbridge_avx2_logm_##suffix(const T* in, int64_t count, int64_t n, T* out) { \
    opbridge::linalg::LogarithmRange<T>(in, count, n, out);                          \
  }
extern "C" {
OPBRIDGE_LOGM_AVX2_ENTRIES(OPBRIDGE_DEFINE_LOGM_AVX2)
}
