// The x86-64 features the kernels dispatch on, read once with CPUID. Our own
// reader rather than GCC's __builtin_cpu_supports: that one links libgcc's
// CPU model (__cpu_indicator_init decoding every vendor's family and model,
// about 4.5 KB), which every selective library carried for a few flag tests
// (docs/size.md). The rules are GCC's: AVX-family bits count only when the
// OS saves the YMM state (XCR0 bits 1-2), AVX-512 ones only when it also
// saves the opmask and ZMM state (XCR0 bits 5-7).
#pragma once

#if defined(__x86_64__)
#include <cpuid.h>

#include <cstdint>

namespace opbridge::math {

struct CpuFeatures {
  bool popcnt = false;
  bool sse42 = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512fp16 = false;
};

inline CpuFeatures ReadCpuFeatures() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  f.sse42 = (ecx >> 20) & 1;
  f.popcnt = (ecx >> 23) & 1;
  bool avx_state = false, avx512_state = false;
  if ((ecx >> 27) & 1) {  // OSXSAVE: XGETBV may be executed
    uint32_t xcr0_lo = 0, xcr0_hi = 0;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    avx_state = (xcr0_lo & 0x6) == 0x6;
    avx512_state = (xcr0_lo & 0xE6) == 0xE6;
  }
  const bool avx = avx_state && ((ecx >> 28) & 1);
  f.fma = avx && ((ecx >> 12) & 1);
  f.f16c = avx && ((ecx >> 29) & 1);
  unsigned ebx7 = 0, edx7 = 0;
  if (__get_cpuid_max(0, nullptr) >= 7) __cpuid_count(7, 0, eax, ebx7, ecx, edx7);
  f.avx2 = avx && ((ebx7 >> 5) & 1);
  f.avx512f = avx512_state && ((ebx7 >> 16) & 1);
  f.avx512fp16 = avx512_state && ((edx7 >> 23) & 1);
  return f;
}

// One copy per process (an inline function's static is shared by every TU).
inline const CpuFeatures& Cpu() {
  static const CpuFeatures features = ReadCpuFeatures();
  return features;
}

}  // namespace opbridge::math
#endif
