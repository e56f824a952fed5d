// Digamma: TF's digamma function (psi, the derivative of lgamma), elementwise
// (tf.math.digamma). TFLite has no kernel: the converter emits CUSTOM
// "Digamma" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. Eigen's digamma is NaN at 0 and
// at the negative integers (its poles).
#include "elementwise.h"

namespace opbridge {
namespace {

Status DigammaKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half>(ctx, 40,
                                                            [](const auto& x) { return x.digamma(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Digamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Digamma function (psi, the derivative of lgamma), elementwise (tf.math.digamma).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(DigammaKernel));

}  // namespace
}  // namespace opbridge
