// DenseImageWarp: the TFLite custom op the converter emits for a tf.function
// declared with experimental_implements="addons:DenseImageWarp" (TF Addons'
// dense_image_warp_annotated): the function is replaced whole by CUSTOM
// "DenseImageWarp" with empty options, float32 only (the converter checks
// 4-D float32 image, flow and output). Same computation as
// Opbridge>DenseImageWarp.
#include "../layers/dense_image_warp.h"

namespace opbridge {
namespace {

Status DenseImageWarpShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(warp::CheckShapes(ctx.input(0), ctx.input(1)));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status DenseImageWarpKernel(KernelContext& ctx) { return warp::Warp<float>(ctx); }

OPBRIDGE_REGISTER_OP(OpSpec("DenseImageWarp")
                         .Origin(OpOrigin::kTfLiteOnly)
                         .DefinedBy("TFLite converter, TF Addons composite addons:DenseImageWarp")
                         .Doc("TF Addons' dense_image_warp as the converter fuses it: image [B,H,W,C], flow "
                              "[B,H,W,2] (dy, dx), float32.")
                         .Input("image: float")
                         .Input("flow: float")
                         .Output("output: float")
                         .ShapeRule(DenseImageWarpShape)
                         .Kernel(DenseImageWarpKernel));

}  // namespace
}  // namespace opbridge
