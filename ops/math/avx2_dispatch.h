// Whether the elementwise kernels with a hand-written AVX2 path (atanh.cc, ...)
// or an isolated AVX2 build (*_avx2.cc, cmake/IsaObjects.cmake) take it: the library is built for baseline x86-64, so the check is made at
// run time. OPBRIDGE_NO_AVX2=1 forces the baseline path (the tests run both).
// A selective build for CPUs without them (OPBRIDGE_MAX_ISA, CMakeLists.txt)
// defines OPBRIDGE_WITHOUT_AVX2 / OPBRIDGE_WITHOUT_AVX512: the answer is then
// "no" at compile time, so no call to those copies is left for the linker.
#pragma once

#include <cstdlib>

#include "cpu_features.h"

namespace opbridge::math {

inline bool UseAvx2() {
#if defined(__x86_64__) && !defined(OPBRIDGE_WITHOUT_AVX2)
  static const bool use = Cpu().avx2 && std::getenv("OPBRIDGE_NO_AVX2") == nullptr;
  return use;
#else
  return false;
#endif
}

// AVX2 with FMA, for the paths that use fused multiply-adds (they match no
// AVX build of TF bit for bit, and need not: expm1_log1p_avx2.h).
inline bool UseAvx2Fma() {
#if defined(__x86_64__) && !defined(OPBRIDGE_WITHOUT_AVX2)
  static const bool use = UseAvx2() && Cpu().fma;
  return use;
#else
  return false;
#endif
}

// AVX-512F on top of AVX2+FMA, for the matrix products (nn/gemm_avx512.h):
// the same FMA chains as the AVX2 path, so the same bits. OPBRIDGE_NO_AVX512=1
// keeps the AVX2 path (the tests compare the two); OPBRIDGE_NO_AVX2 turns both
// off. cpu_features.h's check includes the OS's saving of the 512-bit state (XCR0).
inline bool UseAvx512() {
#if defined(__x86_64__) && !defined(OPBRIDGE_WITHOUT_AVX2) && !defined(OPBRIDGE_WITHOUT_AVX512)
  static const bool use =
      UseAvx2Fma() && Cpu().avx512f && std::getenv("OPBRIDGE_NO_AVX512") == nullptr;
  return use;
#else
  return false;
#endif
}

}  // namespace opbridge::math
