// ICU's U8_NEXT for tensorflow-text's tokenizers, which decode UTF-8 with it.
#ifndef OPBRIDGE_OPS_TEXT_UTF8_NEXT_H_
#define OPBRIDGE_OPS_TEXT_UTF8_NEXT_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace opbridge {
namespace text {

// ICU's U8_NEXT: the next code point at *pos, or -1 (U_SENTINEL) for an
// ill-formed sequence, which consumes its maximal valid prefix (at least one
// byte) as Unicode's "maximal subpart" rule says.
inline int32_t NextCodePoint(std::string_view s, size_t* pos) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte((*pos)++);
  if (lead < 0x80) return lead;
  int trail;
  uint32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the first trail byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    trail = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    trail = 2;
    cp = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // no overlong forms
    if (lead == 0xED) hi = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    trail = 3;
    cp = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return -1;
  }
  for (int k = 0; k < trail; ++k) {
    if (*pos >= s.size()) return -1;
    const uint8_t b = byte(*pos);
    if (b < (k == 0 ? lo : 0x80) || b > (k == 0 ? hi : 0xBF)) return -1;
    cp = (cp << 6) | (b & 0x3F);
    ++*pos;
  }
  return static_cast<int32_t>(cp);
}

}  // namespace text
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_TEXT_UTF8_NEXT_H_
