// ExtractGlimpse: tf.compat.v1.image.extract_glimpse. Windows of size (h, w) cut
// from each image of a batch around an offset, noise where they leave the
// image. The V1 op always shifts the corner by half the window;
// the rest is shared with ExtractGlimpseV2 (extract_glimpse.h).
#include "extract_glimpse.h"

namespace opbridge {
namespace {

Status ExtractGlimpseKernel(KernelContext& ctx, const image::GlimpseParams& p) {
  return image::GlimpseKernel(ctx, p, /*version=*/1);
}

OPBRIDGE_REGISTER_OP(OpSpec("ExtractGlimpse")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Glimpses of size `size` from each image around `offsets` (y, x), noise "
                              "outside the image (tf.compat.v1.image.extract_glimpse).")
                         .Input("input: float")
                         .Input("size: int32")
                         .Input("offsets: float")
                         .Output("glimpse: float")
                         .Params<image::GlimpseParams>()
                         .ShapeRule(image::GlimpseShape)
                         .Kernel(ExtractGlimpseKernel));

}  // namespace
}  // namespace opbridge
