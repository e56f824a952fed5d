// What StringLower and StringUpper share (TF: tensorflow/core/kernels/
// string_lower_op.cc, string_upper_op.cc): the `encoding` attr, "" (ASCII:
// absl::AsciiStrToLower/Upper, bytes >= 0x80 unchanged) or "utf-8" (ICU's
// full case mapping); TF refuses any other value at kernel construction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace strings {

// absl::AsciiStrToUpper/Lower of `in` into *out (bytes >= 0x80 unchanged).
// Branch-free and storing every byte, so GCC vectorizes the loop (16 bytes a
// step with baseline SSE2): a branch per letter mispredicts on text, and a
// conditional store in place does not vectorize.
template <char kFrom>
inline void AsciiCase(std::string_view in, std::string* out) {
  out->resize(in.size());
  const unsigned char* src = reinterpret_cast<const unsigned char*>(in.data());
  unsigned char* dst = reinterpret_cast<unsigned char*>(&(*out)[0]);
  const size_t n = in.size();
  for (size_t k = 0; k < n; ++k) {
    const unsigned char c = src[k];
    // 0x20 flips the case of a letter of [kFrom, kFrom + 25], and nothing else.
    const unsigned char in_range = static_cast<unsigned char>(c - static_cast<unsigned char>(kFrom)) < 26;
    dst[k] = static_cast<unsigned char>(c ^ (in_range << 5));
  }
}
inline void AsciiUpper(std::string_view in, std::string* out) { AsciiCase<'a'>(in, out); }
inline void AsciiLower(std::string_view in, std::string* out) { AsciiCase<'A'>(in, out); }

}  // namespace strings

struct StringCaseParams {
  std::string encoding;

  static void Declare(ParamBinder& b, StringCaseParams& p) { b.Attr("encoding: string = ''", &p.encoding); }
  Status Validate() const {
    OPBRIDGE_REQUIRE(encoding.empty() || encoding == "utf-8",
                     "attr 'encoding': only utf-8 or '' (no encoding) is supported, received ", encoding);
    return Status::Ok();
  }
};

}  // namespace opbridge
