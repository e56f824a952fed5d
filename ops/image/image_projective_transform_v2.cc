// ImageProjectiveTransformV2: ImageProjectiveTransformV3 without the
// fill_value input (points outside the image read 0), what
// tf.raw_ops.ImageProjectiveTransformV2 and older Keras/TF-Addons transforms
// emit. The converter emits CUSTOM "ImageProjectiveTransformV2" with {dtype,
// interpolation, fill_mode}. Semantics in ops/image/projective_transform.h.
#include "opbridge/op.h"
#include "projective_transform.h"

namespace opbridge {
namespace {

using image::ProjectiveParams;

Status ImageProjectiveTransformV2Shape(ShapeContext& ctx, const ProjectiveParams& params) {
  return image::ProjectiveShape(ctx, params, false);
}

Status ImageProjectiveTransformV2Kernel(KernelContext& ctx, const ProjectiveParams& params) {
  return image::DispatchProjectiveTypes(ctx.input(0).dtype(), [&](auto tag) {
    return image::Transform<typename decltype(tag)::type>(ctx, params, 0.0f);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ImageProjectiveTransformV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Projective warp of NHWC images with NEAREST/BILINEAR interpolation and REFLECT/WRAP/"
                              "CONSTANT/NEAREST fill; points outside read 0.")
                         .Input("images: dtype")
                         .Input("transforms: float")
                         .Input("output_shape: int32")
                         .Output("transformed_images: dtype")
                         .Attr("dtype: {uint8, int32, int64, half, bfloat16, float, double}")
                         .Params<ProjectiveParams>()
                         .ShapeRule(ImageProjectiveTransformV2Shape)
                         .Kernel(ImageProjectiveTransformV2Kernel));

}  // namespace
}  // namespace opbridge
