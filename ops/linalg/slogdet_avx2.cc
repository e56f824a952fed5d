// MatrixDeterminant's and LogMatrixDeterminant's LU built for AVX2 without
// FMA (cmake/IsaObjects.cmake): Eigen's blocked PartialPivLU then runs on
// 8-float / 4-double packets with separate multiplies and adds, as in TF's
// x86-64 wheel (built for AVX), where the baseline build has 4 / 2 lanes.
#include "slogdet.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "slogdet_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_SLOGDET_AVX2(T, Real, suffix)                                              \
  void opbridge_avx2_slogdet_##suffix(const T* in, int64_t count, int64_t n, T* sign, Real* log_abs) { \
    opbridge::linalg::SignAndLogAbsDets<T>(in, count, n, sign, log_abs);                            \
  }
extern "C" {
OPBRIDGE_LINALG_AVX2_TYPES(OPBRIDGE_DEFINE_SLOGDET_AVX2)
}
