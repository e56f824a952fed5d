// TF runs its CPU kernels with subnormal floats flushed to zero, as inputs
// (DAZ) and as results (FTZ): TF's executor and thread pools set the mode
// around every kernel (ScopedFlushDenormal). So in TF, 1e-40f * 1 == 0,
// digamma(1e-40f) is digamma(0) = NaN and a cumprod that underflows gives 0.
// The TFLite runtimes leave the mode alone; the math and search kernels set
// it for their own work, on each thread, so they compute what TF computes.
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace opbridge {
namespace math {

class ScopedFlushDenormals {
 public:
  ScopedFlushDenormals() {
#if defined(__x86_64__) || defined(__SSE2__)
    saved_ = _mm_getcsr();
    _mm_setcsr(static_cast<unsigned>(saved_) | kFlushToZero | kDenormalsAreZero);
#elif defined(__aarch64__)
    asm volatile("mrs %0, fpcr" : "=r"(saved_));
    const uint64_t flush = saved_ | (uint64_t{1} << 24);  // FZ
    asm volatile("msr fpcr, %0" : : "r"(flush));
#endif
  }
  ~ScopedFlushDenormals() {
#if defined(__x86_64__) || defined(__SSE2__)
    _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
    asm volatile("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  ScopedFlushDenormals(const ScopedFlushDenormals&) = delete;
  ScopedFlushDenormals& operator=(const ScopedFlushDenormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000;     // MXCSR bit 15
  static constexpr unsigned kDenormalsAreZero = 0x40;  // MXCSR bit 6
  uint64_t saved_ = 0;
};

}  // namespace math
}  // namespace opbridge
