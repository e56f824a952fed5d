// FresnelCos: TF's Fresnel cos integral, integral_0^x cos(pi t^2 / 2) dt,
// elementwise (tf.math.special.fresnel_cos). TFLite has no kernel: the
// converter emits CUSTOM "FresnelCos" with options {T}.
//
// TF's Cephes approximations, evaluated as TF evaluates them (fresnel.h):
// bit-identical to TF. TF's CPU kernel takes float and double.
#include "fresnel.h"

namespace opbridge {
namespace {

Status FresnelCosKernel(KernelContext& ctx) { return math::FresnelKernel(ctx, /*sine=*/false); }

OPBRIDGE_REGISTER_OP(OpSpec("FresnelCos")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Fresnel cos integral, elementwise (tf.math.special.fresnel_cos).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(FresnelCosKernel));

}  // namespace
}  // namespace opbridge
