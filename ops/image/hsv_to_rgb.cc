// HSVToRGB: TF's tf.image.hsv_to_rgb. The converter emits CUSTOM "HSVToRGB"
// with {T}. Input [..., 3] (h, s, v) -> [..., 3] (r, g, b). Hue is used as
// given (TF does not wrap it into [0, 1)). Per-pixel arithmetic as TF's
// kernel (ops/image/colorspace.h).
#include "colorspace.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status HsvToRgbKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kFloat32) {
    image::ForPixelQuads(ctx, ctx.input(0).data<float>(), ctx.output(0).data<float>(),
                         ctx.input(0).num_elements() / 3, 20, image::HsvToRgb4);
    return Status::Ok();
  }
  return image::ConvertPixels(ctx, [](const auto* in, auto* out) { image::HsvToRgb(in, out); });
}

OPBRIDGE_REGISTER_OP(OpSpec("HSVToRGB")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("HSV to RGB over the last dimension (tf.image.hsv_to_rgb).")
                         .Input("images: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double} = DT_FLOAT")
                         .ShapeRule(image::ColorspaceShape)
                         .Kernel(HsvToRgbKernel));

}  // namespace
}  // namespace opbridge
