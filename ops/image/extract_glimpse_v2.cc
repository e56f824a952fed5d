// ExtractGlimpseV2: tf.image.extract_glimpse. Windows of size (h, w) cut
// from each image of a batch around an offset, noise where they leave the
// image. The V2 op shifts the corner by half the window only when normalized and centered;
// the rest is shared with ExtractGlimpse (extract_glimpse.h).
#include "extract_glimpse.h"

namespace opbridge {
namespace {

Status ExtractGlimpseV2Kernel(KernelContext& ctx, const image::GlimpseParams& p) {
  return image::GlimpseKernel(ctx, p, /*version=*/2);
}

OPBRIDGE_REGISTER_OP(OpSpec("ExtractGlimpseV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Glimpses of size `size` from each image around `offsets` (y, x), noise "
                              "outside the image (tf.image.extract_glimpse).")
                         .Input("input: float")
                         .Input("size: int32")
                         .Input("offsets: float")
                         .Output("glimpse: float")
                         .Params<image::GlimpseParams>()
                         .ShapeRule(image::GlimpseShape)
                         .Kernel(ExtractGlimpseV2Kernel));

}  // namespace
}  // namespace opbridge
