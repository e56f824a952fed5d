// Tan: TF's tangent, elementwise (tf.math.tan). TFLite has no kernel: the
// converter emits CUSTOM "Tan" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status TanKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.tan(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Tan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Tangent, elementwise (tf.math.tan).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(TanKernel));

}  // namespace
}  // namespace opbridge
