// What TF's Unicode transcoding ops (UnicodeDecode, UnicodeDecodeWithOffsets,
// UnicodeEncode, UnicodeTranscode; TF: unicode_ops.cc) share: the encodings,
// the error options, and decoders that split ill-formed input exactly where
// TF's ICU converters do. TF walks each string with ucnv_getNextUChar and a
// substituting callback, so every ill-formed piece becomes one error unit;
// the pieces below were measured with TF 2.21:
// - UTF-8: the maximal subpart (unicode_utf8.h): "\xE0\x80\xAF" is three
//   errors, "\xF0\x9F\x98" at the end one, overlongs, surrogates
//   (ED A0 80), bytes F5..FF and stray continuation bytes one per byte.
// - UTF-16-BE: a lone surrogate is one error of 2 bytes; a high surrogate
//   with fewer than 2 bytes after it is one error up to the end; an odd last
//   byte is one error.
// - UTF-32-BE: a unit above U+10FFFF or a surrogate is one error of 4 bytes;
//   1 to 3 trailing bytes are one error.
// Only these three input encodings are implemented; TF takes any ICU
// converter name (ISO-8859-1, Shift_JIS, ...), which opbridge refuses when
// the node is prepared, naming the encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "opbridge/op.h"
#include "unicode_utf8.h"

namespace opbridge {
namespace unicode {

enum class Encoding { kUtf8, kUtf16Be, kUtf32Be };

// The `errors` attr.
enum class ErrorMode { kStrict, kReplace, kIgnore };

inline void BindEncoding(ParamBinder& b, const char* decl, Encoding* e) {
  b.Enum(decl, e,
         {{"UTF-8", Encoding::kUtf8}, {"UTF-16-BE", Encoding::kUtf16Be}, {"UTF-32-BE", Encoding::kUtf32Be}});
}

// TF's ops declare the policies in two orders; the mapping is the same.
inline void BindErrors(ParamBinder& b, const char* decl, ErrorMode* e) {
  b.Enum(decl, e,
         {{"strict", ErrorMode::kStrict}, {"replace", ErrorMode::kReplace}, {"ignore", ErrorMode::kIgnore}});
}

// ICU matches converter names ignoring case and every character but letters
// and digits ("utf8", "utf_16be" name the same converters as TF's spelling).
inline std::string IcuNameKey(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') key.push_back(static_cast<char>(c - 'A' + 'a'));
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) key.push_back(c);
  }
  return key;
}

// The input_encoding attr (a free string in TF) to one of the three decoders.
inline Status ParseInputEncoding(const std::string& name, Encoding* out) {
  const std::string key = IcuNameKey(name);
  if (key == "utf8") {
    *out = Encoding::kUtf8;
  } else if (key == "utf16be") {
    *out = Encoding::kUtf16Be;
  } else if (key == "utf32be") {
    *out = Encoding::kUtf32Be;
  } else {
    return Status::Error("input_encoding '" + name +
                         "' is not supported by opbridge (UTF-8, UTF-16-BE and UTF-32-BE are; TF takes "
                         "any ICU converter name)");
  }
  return Status::Ok();
}

// TF reads replacement_char into an int32 and requires a code point
// (surrogates included: they pass ICU's range test).
inline Status CheckReplacementChar(int64_t c) {
  OPBRIDGE_REQUIRE(c >= 0 && c <= 0x10FFFF, "replacement_char out of unicode codepoint range");
  return Status::Ok();
}

inline bool IsSurrogate(uint32_t c) { return c >= 0xD800 && c <= 0xDFFF; }

// Reads one character of `s` at *pos in `enc`, advancing *pos past it, or
// past the ill-formed piece ICU reports as one error (returns false).
inline bool DecodeNext(Encoding enc, std::string_view s, size_t* pos, char32_t* cp) {
  const size_t left = s.size() - *pos;
  const auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(s[*pos + k])); };
  switch (enc) {
    case Encoding::kUtf8:
      return DecodeUtf8(s, pos, cp);
    case Encoding::kUtf16Be: {
      if (left < 2) {
        *pos = s.size();
        return false;
      }
      const uint32_t u = (byte(0) << 8) | byte(1);
      if (!IsSurrogate(u)) {
        *cp = u;
        *pos += 2;
        return true;
      }
      if (u >= 0xDC00) {  // a low surrogate first
        *pos += 2;
        return false;
      }
      if (left < 4) {  // the high surrogate and what is left of the string
        *pos = s.size();
        return false;
      }
      const uint32_t v = (byte(2) << 8) | byte(3);
      if (v < 0xDC00 || v > 0xDFFF) {
        *pos += 2;
        return false;
      }
      *cp = 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00);
      *pos += 4;
      return true;
    }
    case Encoding::kUtf32Be: {
      if (left < 4) {
        *pos = s.size();
        return false;
      }
      const uint32_t u = (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
      *pos += 4;
      if (u > 0x10FFFF || IsSurrogate(u)) return false;
      *cp = u;
      return true;
    }
  }
  return false;
}

// Appends code point `c` in `enc`. TF builds an ICU UnicodeString and
// serializes it: a lone surrogate (only a surrogate replacement_char gets
// here) becomes U+FFFD in UTF-8 (ICU's toUTF8String substitutes it) and
// stays as it is in UTF-16-BE and UTF-32-BE.
inline void AppendEncoded(Encoding enc, char32_t c, std::string* out) {
  const auto put16 = [out](uint32_t u) {
    out->push_back(static_cast<char>((u >> 8) & 0xFF));
    out->push_back(static_cast<char>(u & 0xFF));
  };
  switch (enc) {
    case Encoding::kUtf8:
      AppendUtf8(IsSurrogate(c) ? char32_t{0xFFFD} : c, out);
      return;
    case Encoding::kUtf16Be:
      if (c >= 0x10000) {
        put16(0xD800 + ((c - 0x10000) >> 10));
        put16(0xDC00 + ((c - 0x10000) & 0x3FF));
      } else {
        put16(c);
      }
      return;
    case Encoding::kUtf32Be:
      put16(c >> 16);
      put16(c & 0xFFFF);
      return;
  }
}

// The attrs TF's decoding ops share (UnicodeDecode, UnicodeDecodeWithOffsets;
// UnicodeTranscode adds output_encoding).
struct DecodeOptions {
  std::string input_encoding;
  ErrorMode errors = ErrorMode::kReplace;
  int64_t replacement_char = 0xFFFD;
  bool replace_control_characters = false;
  mutable Encoding input = Encoding::kUtf8;  // from input_encoding, set once per node by Check()

  Status Check() const {
    OPBRIDGE_RETURN_IF_ERROR(ParseInputEncoding(input_encoding, &input));
    return CheckReplacementChar(replacement_char);
  }
};

// One step of TF's walk over a string: the character as the op emits it.
struct Decoded {
  char32_t cp;       // the character, or replacement_char
  size_t bytes;      // input bytes it spans
  bool emit;         // false: dropped by errors='ignore'
  bool replaced;     // an ill-formed piece or, with replace_control_characters, a control character
  bool ill_formed;   // ill-formed input (what errors='strict' refuses in the decode ops)
};

// Walks `s` as TF does: ill-formed pieces, and characters U+0000..U+001F when
// replace_control_characters is set, are replaced by replacement_char or, with
// errors='ignore', dropped (their bytes still count for the offsets).
template <typename F>
void Walk(const DecodeOptions& o, std::string_view s, F&& f) {
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = pos;
    char32_t cp = 0xFFFD;
    const bool ok = DecodeNext(o.input, s, &pos, &cp);
    Decoded d{ok ? cp : char32_t{0xFFFD}, pos - start, true, false, !ok};
    if (!ok || (o.replace_control_characters && cp <= 0x1F)) {
      d.replaced = true;
      if (o.errors == ErrorMode::kIgnore) d.emit = false;
      else d.cp = static_cast<char32_t>(o.replacement_char);
    }
    f(d);
  }
}

}  // namespace unicode
}  // namespace opbridge
