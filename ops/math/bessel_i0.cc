// BesselI0: TF's modified Bessel function of the first kind of order 0,
// elementwise (tf.math.bessel_i0, tf.math.special.bessel_i0).
// TFLite has no kernel: the converter emits CUSTOM "BesselI0" with options {T}.
//
// Eigen's scalar_bessel_i0_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselI0Kernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_i0_op>(ctx, 30);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselI0")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Modified Bessel function of the first kind of order 0, elementwise "
                              "(tf.math.special.bessel_i0).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselI0Kernel));

}  // namespace
}  // namespace opbridge
