// BesselK1: TF's modified Bessel function of the second kind of order 1 (NaN
// for x < 0, +inf at 0), elementwise (tf.math.special.bessel_k1).
// TFLite has no kernel: the converter emits CUSTOM "BesselK1" with options {T}.
//
// Eigen's scalar_bessel_k1_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselK1Kernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_k1_op>(ctx, 40);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselK1")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Modified Bessel function of the second kind of order 1 (NaN for x < 0, +inf "
                              "at 0), elementwise (tf.math.special.bessel_k1).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselK1Kernel));

}  // namespace
}  // namespace opbridge
