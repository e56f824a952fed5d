// DecodeGif: tf.io.decode_gif. TF's kernel is its shared image decoder
// (image_codecs.h): a GIF's frames composed as TF's gif::Decode does
// (gif_codec.cc, on giflib) into [frames, height, width, 3] uint8, and a
// JPEG or PNG given to it decoded as one RGB frame, [1, height, width, 3],
// as TF's kernel does.
#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// TF's: [?, ?, ?, 3].
Status DecodeGifShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 0));
  ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, kUnknownDim, 3}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status DecodeGifKernel(KernelContext& ctx) {
  image::DecodeRequest r;
  r.op = image::DecodeOp::kGif;
  r.op_name = "DecodeGif";
  r.channels = 3;  // TF's kernel: a PNG or JPEG given to DecodeGif is decoded as RGB too
  r.gif = image::DecodeGifImage;
  return image::DecodeImageKernel(ctx, r);
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodeGif")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes a GIF's frames to a uint8 [frames, height, width, 3] tensor (tf.io.decode_gif), "
                              "composed as TF does (transparency, sub-canvas frames), with TF's errors.")
                         .Input("contents: string")
                         .Output("image: uint8")
                         .ShapeRule(DecodeGifShape)
                         .Kernel(DecodeGifKernel));

}  // namespace
}  // namespace opbridge
