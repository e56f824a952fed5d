// ExtractJpegShape: tf.io.extract_jpeg_shape, [height, width, components] of
// a JPEG from its header (libjpeg-turbo's jpeg_calc_output_dimensions: TF
// 2.21 decodes no scan for it, so a file damaged past its header still has a
// shape); int32 or int64.
#include "image_codecs.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct ExtractJpegShapeParams {
  DType output_type = DType::kInt32;

  static void Declare(ParamBinder& b, ExtractJpegShapeParams& p) {
    b.Attr("output_type: {int32, int64} = DT_INT32", &p.output_type);
  }
};

Status ExtractJpegShapeShape(ShapeContext& ctx, const ExtractJpegShapeParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 0));
  ctx.set_output(0, Shape({3}));
  return Status::Ok();
}

Status ExtractJpegShapeKernel(KernelContext& ctx, const ExtractJpegShapeParams& p) {
  const ConstTensor& contents = ctx.input(0);
  OPBRIDGE_REQUIRE(contents.rank() == 0, "contents must be scalar, got shape ", contents.shape().ToString());
  const std::string_view input = contents.data<std::string_view>()[0];
  OPBRIDGE_REQUIRE(input.size() <= static_cast<size_t>(std::numeric_limits<int>::max()),
                   "JPEG contents are too large for int: ", input.size());
  int64_t dims[3];
  OPBRIDGE_REQUIRE(image::JpegImageInfo(input, &dims[0], &dims[1], &dims[2]), "Invalid JPEG data, size ",
                   input.size());
  return Dispatch<int32_t, int64_t>(p.output_type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = ctx.output(0).data<T>();
    for (int i = 0; i < 3; ++i) out[i] = static_cast<T>(dims[i]);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ExtractJpegShape")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The [height, width, components] of a JPEG image from its header "
                              "(tf.io.extract_jpeg_shape), int32 or int64.")
                         .Input("contents: string")
                         .Output("image_shape: output_type")
                         .Params<ExtractJpegShapeParams>()
                         .ShapeRule(ExtractJpegShapeShape)
                         .Kernel(ExtractJpegShapeKernel));

}  // namespace
}  // namespace opbridge
