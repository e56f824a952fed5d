// BesselI0e: TF's exponentially scaled modified Bessel function of the first
// kind of order 0, exp(-|x|) I0(x), elementwise (tf.math.bessel_i0e,
// tf.math.special.bessel_i0e).
// TFLite has no kernel: the converter emits CUSTOM "BesselI0e" with options {T}.
//
// Eigen's scalar_bessel_i0e_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselI0eKernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_i0e_op>(ctx, 30);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselI0e")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Exponentially scaled modified Bessel function of the first kind of order 0, "
                              "exp(-|x|) I0(x), elementwise (tf.math.special.bessel_i0e).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselI0eKernel));

}  // namespace
}  // namespace opbridge
