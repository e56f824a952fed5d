// Asin: TF's inverse sine, elementwise (tf.math.asin). TFLite has no kernel:
// the converter emits CUSTOM "Asin" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. Real inputs outside [-1, 1]
// give NaN, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status AsinKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, math::packet_exprs::Asin{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Asin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse sine, elementwise (tf.math.asin).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AsinKernel));

}  // namespace
}  // namespace opbridge
