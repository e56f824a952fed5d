// FresnelSin: TF's Fresnel sin integral, integral_0^x sin(pi t^2 / 2) dt,
// elementwise (tf.math.special.fresnel_sin). TFLite has no kernel: the
// converter emits CUSTOM "FresnelSin" with options {T}.
//
// TF's Cephes approximations, evaluated as TF evaluates them (fresnel.h):
// bit-identical to TF. TF's CPU kernel takes float and double.
#include "fresnel.h"

namespace opbridge {
namespace {

Status FresnelSinKernel(KernelContext& ctx) { return math::FresnelKernel(ctx, /*sine=*/true); }

OPBRIDGE_REGISTER_OP(OpSpec("FresnelSin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Fresnel sin integral, elementwise (tf.math.special.fresnel_sin).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(FresnelSinKernel));

}  // namespace
}  // namespace opbridge
