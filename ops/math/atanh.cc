// Atanh: TF's inverse hyperbolic tangent, elementwise (tf.math.atanh). TFLite
// has no kernel: the converter emits CUSTOM "Atanh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. atanh(+-1) is +-inf and real
// |x| > 1 gives NaN, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status AtanhKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.atanh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Atanh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse hyperbolic tangent, elementwise (tf.math.atanh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AtanhKernel));

}  // namespace
}  // namespace opbridge
