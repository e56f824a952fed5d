// CRC-32C (Castagnoli), as LevelDB-format tables checksum their blocks, and
// LevelDB's mask: a table may hold CRCs of data that itself contains CRCs, so
// stored CRCs are rotated and offset to keep them from checksumming trivially.
//
// Checkpoints are megabytes: the CRC uses the SSE4.2 crc32 instruction where
// the CPU has it (chosen at run time), else slicing-by-8 tables.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../math/cpu_features.h"

namespace opbridge {
namespace crc32c {

using Tables = std::array<std::array<uint32_t, 256>, 8>;

inline const Tables& SlicingTables() {
  static const Tables tables = [] {
    Tables t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // reflected polynomial
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (int k = 1; k < 8; ++k) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
    }
    return t;
  }();
  return tables;
}

// On the inverted register, as both paths below work.
inline uint32_t ExtendPortable(uint32_t c, const uint8_t* p, size_t n) {
  const Tables& t = SlicingTables();
  for (; n >= 8; p += 8, n -= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + 4, 4);
    lo ^= c;  // little-endian: the register meets the first four bytes
    c = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; n > 0; ++p, --n) c = t[0][(c ^ *p) & 0xFF] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("sse4.2"))) inline uint32_t ExtendSse42(uint32_t c, const uint8_t* p, size_t n) {
  uint64_t c64 = c;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = __builtin_ia32_crc32di(c64, v);
  }
  uint32_t c32 = static_cast<uint32_t>(c64);
  for (; n > 0; ++p, --n) c32 = __builtin_ia32_crc32qi(c32, *p);
  return c32;
}

inline bool HaveSse42() {
  static const bool have = math::Cpu().sse42;
  return have;
}
#endif

// The CRC of `data` continuing from `crc` (the CRC of the bytes before it; 0 to start).
inline uint32_t Extend(uint32_t crc, const uint8_t* data, size_t n) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (HaveSse42()) return ~ExtendSse42(~crc, data, n);
#endif
  return ~ExtendPortable(~crc, data, n);
}

inline uint32_t Value(const uint8_t* data, size_t n) { return Extend(0, data, n); }

constexpr uint32_t kMaskDelta = 0xa282ead8u;
inline uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
inline uint32_t Unmask(uint32_t masked) {
  const uint32_t rot = masked - kMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace crc32c
}  // namespace opbridge
