// DecodeJpeg: tf.io.decode_jpeg, on libjpeg-turbo as TF calls it (image_codecs.cc):
// channels 0/1/3 (CMYK and YCCK files to RGB by TF's formula), ratio 1/2/4/8
// (libjpeg's scaled IDCT), fancy_upscaling, dct_method ("" is JDCT_IFAST,
// TF's choice), try_recover_truncated and acceptable_fraction (rows past the
// end repeated or black). A PNG (or still GIF) given to it decodes as
// DecodePng would, as in TF.
#include "image_codecs.h"
#include "jpeg_params.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status DecodeJpegShape(ShapeContext& ctx, const image::JpegParams& p) {
  return image::Decode3dShape(ctx, p.channels);
}

Status DecodeJpegKernel(KernelContext& ctx, const image::JpegParams& p) {
  return image::DecodeImageKernel(ctx, p.Request(image::DecodeOp::kJpeg, "DecodeJpeg"));
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodeJpeg")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes a JPEG (or PNG) image to a uint8 [height, width, channels] tensor "
                              "(tf.io.decode_jpeg), with TF's libjpeg-turbo settings, recovery and errors.")
                         .Input("contents: string")
                         .Output("image: uint8")
                         .Params<image::JpegParams>()
                         .ShapeRule(DecodeJpegShape)
                         .Kernel(DecodeJpegKernel));

}  // namespace
}  // namespace opbridge
