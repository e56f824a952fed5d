// DecodeBmp: tf.io.decode_bmp, TF's own BMP reader (image_codecs.cc): 8, 24
// and 32 bits per pixel, uncompressed, bottom-up or top-down rows, BGR(A) to
// RGB(A); any other format is refused with TF's text.
#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct DecodeBmpParams {
  int64_t channels = 0;

  static void Declare(ParamBinder& b, DecodeBmpParams& p) { b.Attr("channels: int = 0", &p.channels); }
  Status Validate() const { return image::CheckChannels(channels); }
};

Status DecodeBmpShape(ShapeContext& ctx, const DecodeBmpParams& p) { return image::Decode3dShape(ctx, p.channels); }

Status DecodeBmpKernel(KernelContext& ctx, const DecodeBmpParams& p) {
  image::DecodeRequest r;
  r.op = image::DecodeOp::kBmp;
  r.op_name = "DecodeBmp";
  r.channels = p.channels;
  return image::DecodeImageKernel(ctx, r);
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodeBmp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes an uncompressed 8/24/32-bit BMP image to uint8 (tf.io.decode_bmp), as TF's "
                              "own reader does.")
                         .Input("contents: string")
                         .Output("image: uint8")
                         .Params<DecodeBmpParams>()
                         .ShapeRule(DecodeBmpShape)
                         .Kernel(DecodeBmpKernel));

}  // namespace
}  // namespace opbridge
