// Rows written once into an output much larger than the caches, with
// non-temporal (streaming) stores where the CPU has them.
//
// Why: an ordinary store to a line that is not cached first reads the line
// (read for ownership), so filling a 32 MB output from 32 MB of input moves
// 96 MB; streaming stores write whole lines without reading them: 64 MB.
// Measured on the bench's DynamicStitch (f64 rows of 128 bytes gathered into
// [262144, 16]) in a standalone loop: 2.2-2.4 ms with memcpy per row, 1.4-1.5
// ms streamed (SSE2 16-byte streams run as fast as AVX-512's 64-byte ones).
// The output then is not in the caches: only worth it when it would not
// have stayed there anyway (kStreamMinBytes).
//
// Streamed stores are weakly ordered: a thread that streamed calls
// StreamFence() before its work is handed to another thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace opbridge {
namespace array {

// Outputs below this stay on ordinary stores: a later op reading them may
// still find them in L2/L3 (this is above both hosts' per-core L2).
constexpr int64_t kStreamMinBytes = int64_t{8} << 20;

// Whether rows of `row_bytes` at `base` can be streamed: every row starts on
// 16 bytes and is a whole number of 16-byte stores.
inline bool CanStreamRows(const void* base, int64_t row_bytes, int64_t total_bytes) {
#if defined(__x86_64__)
  return total_bytes >= kStreamMinBytes && row_bytes > 0 && row_bytes % 16 == 0 &&
         reinterpret_cast<uintptr_t>(base) % 16 == 0;
#else
  (void)base, (void)row_bytes, (void)total_bytes;
  return false;
#endif
}

// dst (16-byte aligned) = src (any alignment), `bytes` a multiple of 16.
inline void StreamCopy(void* dst, const void* src, int64_t bytes) {
#if defined(__x86_64__)
  auto* d = static_cast<__m128i*>(dst);
  const auto* s = static_cast<const __m128i*>(src);
  for (int64_t i = 0; i < bytes / 16; ++i) _mm_stream_si128(d + i, _mm_loadu_si128(s + i));
#else
  std::memcpy(dst, src, static_cast<size_t>(bytes));
#endif
}

inline void StreamZero(void* dst, int64_t bytes) {
#if defined(__x86_64__)
  auto* d = static_cast<__m128i*>(dst);
  for (int64_t i = 0; i < bytes / 16; ++i) _mm_stream_si128(d + i, _mm_setzero_si128());
#else
  std::memset(dst, 0, static_cast<size_t>(bytes));
#endif
}

inline void StreamFence() {
#if defined(__x86_64__)
  _mm_sfence();
#endif
}

}  // namespace array
}  // namespace opbridge
