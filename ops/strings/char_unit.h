// The `unit` attr of StringLength and Substr, and the UTF-8 walking rules
// TF's kernels use (tensorflow/core/kernels/string_util.{h,cc}): a
// character starts at any byte that is not a continuation byte (10xxxxxx);
// nothing is validated, so ill-formed UTF-8 gives TF's numbers, not errors.
#pragma once

#include <cstdint>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace strings {

enum class CharUnit { kByte, kUtf8Char };

inline void DeclareUnit(ParamBinder& b, CharUnit* unit) {
  b.Enum("unit: {'BYTE', 'UTF8_CHAR'} = 'BYTE'", unit, {{"BYTE", CharUnit::kByte}, {"UTF8_CHAR", CharUnit::kUtf8Char}});
}

inline bool IsTrailByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Moves `*pos` forward over `n` characters of `s` (each: one byte, then its
// continuation bytes); false when the end comes first (`*pos` then at it).
inline bool ForwardChars(std::string_view s, int64_t n, int64_t* pos) {
  int64_t counted = 0;
  const int64_t size = static_cast<int64_t>(s.size());
  while (counted < n && *pos < size) {
    do {
      ++*pos;
    } while (*pos < size && IsTrailByte(s[static_cast<size_t>(*pos)]));
    ++counted;
  }
  return counted == n;
}

// Moves `*pos` back over `n` characters; false when the start comes first.
inline bool BackChars(std::string_view s, int64_t n, int64_t* pos) {
  int64_t counted = 0;
  while (counted < n && *pos > 0) {
    do {
      --*pos;
    } while (IsTrailByte(s[static_cast<size_t>(*pos)]) && *pos > 0);
    ++counted;
  }
  return counted == n;
}

}  // namespace strings
}  // namespace opbridge
