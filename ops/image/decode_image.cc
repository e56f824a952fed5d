// DecodeImage: tf.io.decode_image, the format from the magic bytes (JPEG,
// PNG, BMP, GIF decoded; WebP and JPEG XL refused: no decoder here, see
// docs/ops/image_decode.md), channels, dtype uint8/uint16/float32 with TF's
// conversions (8-bit formats: v * 256 and v / 255; PNG: decoded at 16 bits,
// v / 65535 for float), expand_animations (a still image stays 3-D; a GIF is
// [frames, h, w, 3] with it, its first frame [h, w, 3] without: gif_codec.cc).
#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct DecodeImageParams {
  int64_t channels = 0;
  DType dtype = DType::kUInt8;
  bool expand_animations = true;

  static void Declare(ParamBinder& b, DecodeImageParams& p) {
    b.Attr("channels: int = 0", &p.channels);
    // No default (TF's is uint8): TF's converter leaves uint16 out of the
    // options, and a missing dtype is then read off the output tensor.
    b.Attr("dtype: {uint8, uint16, float}", &p.dtype);
    b.Attr("expand_animations: bool = true", &p.expand_animations);
  }
  Status Validate() const { return image::CheckChannels(channels); }
};

// TF's: rank 3 without expand_animations, else unknown (GIFs are 4-D).
Status DecodeImageShape(ShapeContext& ctx, const DecodeImageParams& p) {
  if (!p.expand_animations) return image::Decode3dShape(ctx, p.channels);
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 0));
  ctx.set_output(0, Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status DecodeImageKernel(KernelContext& ctx, const DecodeImageParams& p) {
  image::DecodeRequest r;
  r.op = image::DecodeOp::kImage;
  r.op_name = "DecodeImage";
  r.channels = p.channels;
  r.dtype = p.dtype;
  r.expand_animations = p.expand_animations;
  r.gif = image::DecodeGifImage;
  return image::DecodeImageKernel(ctx, r);
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodeImage")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes a JPEG, PNG, BMP or GIF image by its magic bytes (tf.io.decode_image) to uint8, "
                              "uint16 or float32, with TF's conversions and errors; WebP and JPEG XL fail.")
                         .Input("contents: string")
                         .Output("image: dtype")
                         .Params<DecodeImageParams>()
                         .ShapeRule(DecodeImageShape)
                         .Kernel(DecodeImageKernel));

}  // namespace
}  // namespace opbridge
