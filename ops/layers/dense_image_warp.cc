// Opbridge>DenseImageWarp: TF Addons' dense_image_warp as one op (a flow
// field warp with bilinear sampling and edge clamping; see dense_image_warp.h).
// Gradients for image and flow come from Opbridge>DenseImageWarpGrad.
#include "dense_image_warp.h"

namespace opbridge {
namespace {

Status DenseImageWarpShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(warp::CheckShapes(ctx.input(0), ctx.input(1)));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

Status DenseImageWarpKernel(KernelContext& ctx) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return warp::Warp<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>DenseImageWarp")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Warps image [B,H,W,C] (H, W >= 2) by flow [B,H,W,2]: output[b,y,x] samples "
                              "image[b] bilinearly at (y - flow_y, x - flow_x), edges clamped (TF Addons' "
                              "dense_image_warp).")
                         .Input("image: T")
                         .Input("flow: T")
                         .Output("output: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(DenseImageWarpShape)
                         .Kernel(DenseImageWarpKernel));

}  // namespace
}  // namespace opbridge
