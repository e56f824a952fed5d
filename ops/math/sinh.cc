// Sinh: TF's hyperbolic sine, elementwise (tf.math.sinh). TFLite has no
// kernel: the converter emits CUSTOM "Sinh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF.
#include "elementwise.h"

namespace opbridge {
namespace {

Status SinhKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.sinh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Sinh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Hyperbolic sine, elementwise (tf.math.sinh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(SinhKernel));

}  // namespace
}  // namespace opbridge
