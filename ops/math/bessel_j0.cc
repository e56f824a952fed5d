// BesselJ0: TF's Bessel function of the first kind of order 0, elementwise
// (tf.math.special.bessel_j0).
// TFLite has no kernel: the converter emits CUSTOM "BesselJ0" with options {T}.
//
// Eigen's scalar_bessel_j0_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselJ0Kernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_j0_op>(ctx, 40);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselJ0")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Bessel function of the first kind of order 0, elementwise "
                              "(tf.math.special.bessel_j0).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselJ0Kernel));

}  // namespace
}  // namespace opbridge
