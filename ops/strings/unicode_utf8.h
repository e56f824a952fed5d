// UTF-8 decoding and encoding shared by the Unicode ops. Well-formedness is
// Unicode's (Table 3-7: no overlongs, no surrogates, nothing past U+10FFFF);
// an ill-formed sequence is consumed as its maximal subpart (the longest
// prefix of a well-formed sequence, at least one byte), which is how ICU's
// converter counts the U+FFFDs it substitutes (measured with TF's StringLower).
#ifndef OPBRIDGE_OPS_STRINGS_UNICODE_UTF8_H_
#define OPBRIDGE_OPS_STRINGS_UNICODE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace opbridge {
namespace unicode {

// Reads one code point of s at *pos and advances *pos. Returns false on an
// ill-formed sequence, having advanced past its maximal subpart.
inline bool DecodeUtf8(std::string_view s, size_t* pos, char32_t* cp) {
  const size_t n = s.size();
  size_t i = *pos;
  const uint8_t b0 = static_cast<uint8_t>(s[i++]);
  if (b0 < 0x80) {
    *cp = b0;
    *pos = i;
    return true;
  }
  int trail;
  uint8_t lo = 0x80, hi = 0xBF;  // range of the second byte
  char32_t c;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    trail = 1;
    c = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    trail = 2;
    c = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    trail = 3;
    c = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *pos = i;
    return false;
  }
  for (int k = 0; k < trail; ++k) {
    if (i >= n) {
      *pos = i;
      return false;
    }
    const uint8_t b = static_cast<uint8_t>(s[i]);
    if (b < (k == 0 ? lo : 0x80) || b > (k == 0 ? hi : 0xBF)) {
      *pos = i;
      return false;
    }
    c = (c << 6) | (b & 0x3F);
    ++i;
  }
  *cp = c;
  *pos = i;
  return true;
}

inline void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace unicode
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_STRINGS_UNICODE_UTF8_H_
