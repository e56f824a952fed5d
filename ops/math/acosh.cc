// Acosh: TF's inverse hyperbolic cosine, elementwise (tf.math.acosh). TFLite
// has no kernel: the converter emits CUSTOM "Acosh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. Real inputs below 1 give NaN,
// as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status AcoshKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.acosh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Acosh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse hyperbolic cosine, elementwise (tf.math.acosh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AcoshKernel));

}  // namespace
}  // namespace opbridge
