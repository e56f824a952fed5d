// Atan: TF's inverse tangent, elementwise (tf.math.atan). TFLite has no
// kernel: the converter emits CUSTOM "Atan" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status AtanKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, math::packet_exprs::Atan{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Atan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse tangent, elementwise (tf.math.atan).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AtanKernel));

}  // namespace
}  // namespace opbridge
