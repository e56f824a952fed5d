// What StringLower and StringUpper share (TF: tensorflow/core/kernels/
// string_lower_op.cc, string_upper_op.cc): the `encoding` attr, "" (ASCII:
// absl::AsciiStrToLower/Upper, bytes >= 0x80 unchanged) or "utf-8" (ICU's
// full case mapping); TF refuses any other value at kernel construction.
#pragma once

#include <string>

#include "opbridge/op.h"

namespace opbridge {

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
