// Lu built for AVX2 without FMA (cmake/IsaObjects.cmake): Eigen's blocked
// PartialPivLU then runs on 4-double / 8-float packets with separate
// multiplies and adds, as in TF's x86-64 wheel (built for AVX), where the
// baseline build has 2 / 4 lanes: TF's speed, and TF's bits (measured).
#include "lu_factor.h"

#if !defined(__AVX2__) || defined(__FMA__)
#error "lu_avx2.cc must be compiled with -mavx2 -mno-fma (cmake/IsaObjects.cmake)"
#endif

#define OPBRIDGE_DEFINE_LU_AVX2(T, suffix)                                                                    \
  void opbridge_avx2_lu_##suffix(const T* in, int64_t count, int64_t n, T* lu, int64_t* p, bool* singular) { \
    opbridge::linalg::FactorLu<T, int64_t>(in, count, n, lu, p, singular);                                   \
  }
extern "C" {
OPBRIDGE_LU_AVX2_ENTRIES(OPBRIDGE_DEFINE_LU_AVX2)
}
