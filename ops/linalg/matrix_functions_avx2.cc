// MatrixLogarithm's and MatrixSquareRoot's Eigen code built for AVX2 without
// FMA (cmake/IsaObjects.cmake): the Schur decompositions and triangular steps
// run on 4-double / 8-float packets with separate multiplies and adds, as in
// TF's x86-64 wheel (built for AVX), where the baseline build has 2 / 4 lanes.
#include "matrix_functions.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_functions_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_LOGM_AVX2(T, suffix)                                                                  \
  void opbridge_avx2_logm_##suffix(const T* in, int64_t count, int64_t n, T* out) {                         \
    opbridge::linalg::MatrixFunctionRange<opbridge::linalg::MatrixFunction::kLogarithm, T>(in, count, n, out); \
  }
#define OPBRIDGE_DEFINE_SQRTM_AVX2(T, suffix)                                                                  \
  void opbridge_avx2_sqrtm_##suffix(const T* in, int64_t count, int64_t n, T* out) {                         \
    opbridge::linalg::MatrixFunctionRange<opbridge::linalg::MatrixFunction::kSquareRoot, T>(in, count, n, out); \
  }
extern "C" {
OPBRIDGE_LOGM_AVX2_ENTRIES(OPBRIDGE_DEFINE_LOGM_AVX2)
OPBRIDGE_SQRTM_AVX2_ENTRIES(OPBRIDGE_DEFINE_SQRTM_AVX2)
}
