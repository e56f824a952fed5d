// DecodePng: tf.io.decode_png. TF's kernel is its shared image decoder
// (image_codecs.h): a PNG with libpng's conversions as TF asks for them
// (channels 0 = the file's, palette and tRNS to RGB(A), gray+alpha, 16-bit
// files stripped to 8 or 8-bit files widened to 16 as v * 257, bit depths
// below 8, interlacing), and a JPEG (or a still GIF) given to it decoded as
// DecodeJpeg's defaults would, as TF's kernel does.
#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct DecodePngParams {
  int64_t channels = 0;
  DType dtype = DType::kUInt8;

  static void Declare(ParamBinder& b, DecodePngParams& p) {
    b.Attr("channels: int = 0", &p.channels);
    // TF's default is uint8, but TF's converter writes the attr only for dtypes
    // it has a TFLite type number for, leaving uint16 out: without a default here
    // a missing dtype is read off the output tensor (the kernel adapter).
    b.Attr("dtype: {uint8, uint16}", &p.dtype);
  }
  Status Validate() const { return image::CheckChannels(channels); }
};

Status DecodePngShape(ShapeContext& ctx, const DecodePngParams& p) { return image::Decode3dShape(ctx, p.channels); }

Status DecodePngKernel(KernelContext& ctx, const DecodePngParams& p) {
  image::DecodeRequest r;
  r.op = image::DecodeOp::kPng;
  r.op_name = "DecodePng";
  r.channels = p.channels;
  r.dtype = p.dtype;
  return image::DecodeImageKernel(ctx, r);
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodePng")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes a PNG (or JPEG) image to a uint8 or uint16 [height, width, channels] tensor "
                              "(tf.io.decode_png), with TF's libpng conversions and errors.")
                         .Input("contents: string")
                         .Output("image: dtype")
                         .Params<DecodePngParams>()
                         .ShapeRule(DecodePngShape)
                         .Kernel(DecodePngKernel));

}  // namespace
}  // namespace opbridge
