// ImageProjectiveTransformV3: TF's projective image warp with a fill value,
// what Keras' augmentation layers (RandomRotation, RandomZoom,
// RandomTranslation, RandomShear in training mode) and
// keras.ops.image.affine_transform emit. The converter emits CUSTOM
// "ImageProjectiveTransformV3" with {dtype, interpolation, fill_mode};
// transforms (float [N or 1, 8]), output_shape (int32 [2]) and fill_value
// (float scalar) are inputs. Semantics in ops/image/projective_transform.h.
#include "opbridge/op.h"
#include "projective_transform.h"

namespace opbridge {
namespace {

using image::ProjectiveParams;

Status ImageProjectiveTransformV3Shape(ShapeContext& ctx, const ProjectiveParams& params) {
  return image::ProjectiveShape(ctx, params, true);
}

Status ImageProjectiveTransformV3Kernel(KernelContext& ctx, const ProjectiveParams& params) {
  const ConstTensor& fill_value = ctx.input(3);
  OPBRIDGE_REQUIRE(fill_value.rank() == 0, "fill_value must be a scalar, got shape ", fill_value.shape().ToString());
  const float fill = fill_value.data<float>()[0];
  return image::DispatchProjectiveTypes(ctx.input(0).dtype(), [&](auto tag) {
    return image::Transform<typename decltype(tag)::type>(ctx, params, fill);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ImageProjectiveTransformV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Projective warp of NHWC images with NEAREST/BILINEAR interpolation and REFLECT/WRAP/"
                              "CONSTANT/NEAREST fill (Keras image augmentation layers).")
                         .Input("images: dtype")
                         .Input("transforms: float")
                         .Input("output_shape: int32")
                         .Input("fill_value: float")
                         .Output("transformed_images: dtype")
                         .Attr("dtype: {uint8, int32, int64, half, bfloat16, float, double}")
                         .Params<ProjectiveParams>()
                         .ShapeRule(ImageProjectiveTransformV3Shape)
                         .Kernel(ImageProjectiveTransformV3Kernel));

}  // namespace
}  // namespace opbridge
