// The attrs DecodeJpeg and DecodeAndCropJpeg share, checked as TF's kernel
// constructor checks them.
#pragma once

#include <string>

#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace image {

struct JpegParams {
  int64_t channels = 0;
  int64_t ratio = 1;
  bool fancy_upscaling = true;
  bool try_recover_truncated = false;
  double acceptable_fraction = 1.0;
  std::string dct_method;

  static void Declare(ParamBinder& b, JpegParams& p) {
    b.Attr("channels: int = 0", &p.channels);
    b.Attr("ratio: int = 1", &p.ratio);
    b.Attr("fancy_upscaling: bool = true", &p.fancy_upscaling);
    b.Attr("try_recover_truncated: bool = false", &p.try_recover_truncated);
    b.Attr("acceptable_fraction: float = 1.0", &p.acceptable_fraction);
    b.Attr("dct_method: string = ''", &p.dct_method);
  }
  Status Validate() const {
    JpegFlags flags;
    OPBRIDGE_RETURN_IF_ERROR(
        JpegFlagsFrom(ratio, fancy_upscaling, try_recover_truncated, acceptable_fraction, dct_method, &flags));
    return CheckChannels(channels);
  }
  DecodeRequest Request(DecodeOp op, const char* name) const {
    DecodeRequest r;
    r.op = op;
    r.op_name = name;
    r.channels = channels;
    (void)JpegFlagsFrom(ratio, fancy_upscaling, try_recover_truncated, acceptable_fraction, dct_method, &r.jpeg);
    return r;
  }
};

}  // namespace image
}  // namespace opbridge
