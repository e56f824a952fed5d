// BesselK0e: TF's exponentially scaled modified Bessel function of the second
// kind of order 0, exp(x) K0(x), elementwise (tf.math.special.bessel_k0e).
// TFLite has no kernel: the converter emits CUSTOM "BesselK0e" with options {T}.
//
// Eigen's scalar_bessel_k0e_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselK0eKernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_k0e_op>(ctx, 40);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselK0e")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Exponentially scaled modified Bessel function of the second kind of order 0, "
                              "exp(x) K0(x), elementwise (tf.math.special.bessel_k0e).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselK0eKernel));

}  // namespace
}  // namespace opbridge
