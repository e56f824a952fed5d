// MatrixInverse built for AVX2 without FMA (cmake/IsaObjects.cmake): Eigen's
// blocked PartialPivLU and its inverse then run on 4-double packets with
// separate multiplies and adds, as in TF's x86-64 wheel (built for AVX),
// where the baseline build has 2 lanes: TF's speed, and TF's bits.
#include "inverse_batch.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "matrix_inverse_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_INVERSE_AVX2(T, suffix)                                                          \
  void opbridge_avx2_inverse_##suffix(const T* in, T* out, int64_t count, int64_t n, bool adjoint,      \
                                      bool* singular) {                                                  \
    opbridge::linalg::InvertMatrices<T>(in, out, count, n, adjoint, singular);                           \
  }
extern "C" {
OPBRIDGE_INVERSE_AVX2_ENTRIES(OPBRIDGE_DEFINE_INVERSE_AVX2)
}
