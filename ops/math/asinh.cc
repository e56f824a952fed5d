// Asinh: TF's inverse hyperbolic sine, elementwise (tf.math.asinh). TFLite has
// no kernel: the converter emits CUSTOM "Asinh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status AsinhKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.asinh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Asinh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse hyperbolic sine, elementwise (tf.math.asinh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AsinhKernel));

}  // namespace
}  // namespace opbridge
