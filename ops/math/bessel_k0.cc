// BesselK0: TF's modified Bessel function of the second kind of order 0 (NaN
// for x < 0, +inf at 0), elementwise (tf.math.special.bessel_k0).
// TFLite has no kernel: the converter emits CUSTOM "BesselK0" with options {T}.
//
// Eigen's scalar_bessel_k0_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselK0Kernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_k0_op>(ctx, 40);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselK0")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Modified Bessel function of the second kind of order 0 (NaN for x < 0, +inf "
                              "at 0), elementwise (tf.math.special.bessel_k0).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselK0Kernel));

}  // namespace
}  // namespace opbridge
