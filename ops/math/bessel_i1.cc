// BesselI1: TF's modified Bessel function of the first kind of order 1,
// elementwise (tf.math.bessel_i1, tf.math.special.bessel_i1).
// TFLite has no kernel: the converter emits CUSTOM "BesselI1" with options {T}.
//
// Eigen's scalar_bessel_i1_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselI1Kernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_i1_op>(ctx, 30);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselI1")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Modified Bessel function of the first kind of order 1, elementwise "
                              "(tf.math.special.bessel_i1).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselI1Kernel));

}  // namespace
}  // namespace opbridge
