// The floating-point mode kernels run in: TF's.
//
// TF runs its CPU kernels with subnormals flushed to zero, as inputs (DAZ)
// and results (FTZ): its executor and worker threads set the mode. That
// decides results at the subnormal edge (TF's det of [[1e-40f]] is 0,
// digamma(1e-40f) is digamma(0) = NaN). The TFLite runtimes leave the mode
// alone, so the TFLite adapter sets it around every kernel and every worker
// chunk, and restores the caller's after. One TF kernel, SelfAdjointEigV2,
// turns flushing off: OpSpec::KeepDenormals() asks for that.
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#endif

namespace opbridge {

class ScopedFloatMode {
 public:
  explicit ScopedFloatMode(bool flush_denormals) {
#if defined(__x86_64__) || defined(__SSE2__)
    constexpr unsigned kFtzDaz = 0x8040;  // MXCSR bit 15 (flush to zero), bit 6 (denormals are zero)
    saved_ = _mm_getcsr();
    _mm_setcsr(flush_denormals ? (saved_ | kFtzDaz) : (saved_ & ~kFtzDaz));
#elif defined(__aarch64__)
    constexpr uint64_t kFz = uint64_t{1} << 24;  // FPCR.FZ
    asm volatile("mrs %0, fpcr" : "=r"(saved_));
    const uint64_t mode = flush_denormals ? (saved_ | kFz) : (saved_ & ~kFz);
    asm volatile("msr fpcr, %0" : : "r"(mode));
#else
    (void)flush_denormals;
#endif
  }
  ~ScopedFloatMode() {
#if defined(__x86_64__) || defined(__SSE2__)
    _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
    asm volatile("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  ScopedFloatMode(const ScopedFloatMode&) = delete;
  ScopedFloatMode& operator=(const ScopedFloatMode&) = delete;

 private:
  uint64_t saved_ = 0;
};

}  // namespace opbridge
