// What DataFormatDimMap and DataFormatVecPermute share: their attrs
// (src_format, dst_format) and TF's checks of them, made once per node as TF
// makes them at kernel construction, with TF's texts: each 4 or 5 characters,
// and together a permutation (same length, no character twice in src, every
// dst character in src).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "opbridge/op.h"

namespace opbridge {
namespace nn {

struct DataFormatParams {
  std::string src_format = "NHWC";
  std::string dst_format = "NCHW";

  static void Declare(ParamBinder& b, DataFormatParams& p) {
    b.Attr("src_format: string = 'NHWC'", &p.src_format);
    b.Attr("dst_format: string = 'NCHW'", &p.dst_format);
  }

  Status Validate() const {
    OPBRIDGE_REQUIRE(src_format.size() == 4 || src_format.size() == 5,
                     "Source format must be of length 4 or 5, received src_format = ", src_format);
    OPBRIDGE_REQUIRE(dst_format.size() == 4 || dst_format.size() == 5,
                     "Destination format must be of length 4 or 5, received dst_format = ", dst_format);
    OPBRIDGE_REQUIRE(IsPermutation(), "Destination and source format must determine a permutation, got ", src_format,
                     " and ", dst_format);
    return Status::Ok();
  }

  bool IsPermutation() const {
    if (src_format.size() != dst_format.size()) return false;
    std::array<bool, 256> in_src{};
    for (const char c : src_format) {
      bool& seen = in_src[static_cast<uint8_t>(c)];
      if (seen) return false;
      seen = true;
    }
    for (const char c : dst_format) {
      bool& seen = in_src[static_cast<uint8_t>(c)];
      if (!seen) return false;
      seen = false;
    }
    return true;
  }
};

}  // namespace nn
}  // namespace opbridge
