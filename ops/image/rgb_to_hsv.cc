// RGBToHSV: TF's tf.image.rgb_to_hsv. The converter emits CUSTOM "RGBToHSV"
// with {T}. Input [..., 3] (r, g, b in [0, 1]) -> [..., 3] (h, s, v in
// [0, 1]); h = 0 for grays, s = 0 for black. Per-pixel arithmetic as TF's
// kernel (ops/image/colorspace.h), so results agree to the last bit, NaNs
// included.
#include "colorspace.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status RgbToHsvKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kFloat32) {
    image::ForPixelQuads(ctx, ctx.input(0).data<float>(), ctx.output(0).data<float>(),
                         ctx.input(0).num_elements() / 3, 20, image::RgbToHsv4);
    return Status::Ok();
  }
  return image::ConvertPixels(ctx, [](const auto* in, auto* out) { image::RgbToHsv(in, out); });
}

OPBRIDGE_REGISTER_OP(OpSpec("RGBToHSV")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("RGB to HSV over the last dimension (tf.image.rgb_to_hsv).")
                         .Input("images: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double} = DT_FLOAT")
                         .ShapeRule(image::ColorspaceShape)
                         .Kernel(RgbToHsvKernel));

}  // namespace
}  // namespace opbridge
