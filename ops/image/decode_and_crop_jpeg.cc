// DecodeAndCropJpeg: tf.io.decode_and_crop_jpeg, DecodeJpeg of the window
// [y, x, height, width] only (libjpeg-turbo's jpeg_crop_scanline and
// jpeg_skip_scanlines, as TF): an invalid window, or any other format, fails.
#include "image_codecs.h"
#include "jpeg_params.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status DecodeAndCropJpegShape(ShapeContext& ctx, const image::JpegParams& p) {
  return image::Decode3dShape(ctx, p.channels);
}

Status DecodeAndCropJpegKernel(KernelContext& ctx, const image::JpegParams& p) {
  return image::DecodeImageKernel(ctx, p.Request(image::DecodeOp::kAndCropJpeg, "DecodeAndCropJpeg"));
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodeAndCropJpeg")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Decodes the crop window [y, x, height, width] of a JPEG image to uint8 "
                              "(tf.io.decode_and_crop_jpeg), as TF does with libjpeg-turbo.")
                         .Input("contents: string")
                         .Input("crop_window: int32")
                         .Output("image: uint8")
                         .Params<image::JpegParams>()
                         .ShapeRule(DecodeAndCropJpegShape)
                         .Kernel(DecodeAndCropJpegKernel));

}  // namespace
}  // namespace opbridge
