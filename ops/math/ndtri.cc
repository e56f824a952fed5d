// Ndtri: TF's inverse of the standard normal CDF, elementwise (tf.math.ndtri).
// TFLite has no kernel: the converter emits CUSTOM "Ndtri" with options {T}.
//
// Evaluates Eigen's ndtri (Cephes' rational approximations), the functor TF's
// CPU kernel evaluates: ndtri(0) = -inf, ndtri(1) = +inf, NaN outside [0, 1].
// TF registers float and double only.
#include "elementwise.h"

namespace opbridge {
namespace {

Status NdtriKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double>(ctx, 20, [](const auto& x) { return x.ndtri(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Ndtri")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse of the standard normal CDF, elementwise (tf.math.ndtri).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(NdtriKernel));

}  // namespace
}  // namespace opbridge
