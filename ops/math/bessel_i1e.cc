// BesselI1e: TF's exponentially scaled modified Bessel function of the first
// kind of order 1, exp(-|x|) I1(x), elementwise (tf.math.bessel_i1e,
// tf.math.special.bessel_i1e).
// TFLite has no kernel: the converter emits CUSTOM "BesselI1e" with options {T}.
//
// Eigen's scalar_bessel_i1e_op, evaluated at the positions where TF's AVX
// build takes its packet path and its scalar path (bessel.h): bit-identical
// to TF for half, float and double. TF has no bfloat16 CPU kernel.
#include "bessel.h"

namespace opbridge {
namespace {

Status BesselI1eKernel(KernelContext& ctx) {
  return math::BesselKernel<Eigen::internal::scalar_bessel_i1e_op>(ctx, 30);
}

OPBRIDGE_REGISTER_OP(OpSpec("BesselI1e")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Exponentially scaled modified Bessel function of the first kind of order 1, "
                              "exp(-|x|) I1(x), elementwise (tf.math.special.bessel_i1e).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(BesselI1eKernel));

}  // namespace
}  // namespace opbridge
