// Cosh: TF's hyperbolic cosine, elementwise (tf.math.cosh). TFLite has no
// kernel: the converter emits CUSTOM "Cosh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status CoshKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.cosh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cosh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Hyperbolic cosine, elementwise (tf.math.cosh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(CoshKernel));

}  // namespace
}  // namespace opbridge
