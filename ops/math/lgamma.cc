// Lgamma: TF's log of the absolute value of the gamma function, elementwise
// (tf.math.lgamma). The converter lowers float32 and half lgamma into about 58
// builtin ops, but emits float64 as CUSTOM "Lgamma" with options {T}: this is
// its kernel. (opbridge.convert substitutes Opbridge>Lgamma, one kernel for
// every dtype; see opbridge_lgamma.cc.)
//
// Eigen's lgamma, which TF evaluates, is the C library's lgamma_r: +inf at 0
// and at the negative integers (the poles), +inf at +-inf.
#include "elementwise.h"

namespace opbridge {
namespace {

Status LgammaKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half>(ctx, 40, [](const auto& x) { return x.lgamma(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Lgamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("log|gamma(x)|, elementwise (tf.math.lgamma).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(LgammaKernel));

}  // namespace
}  // namespace opbridge
