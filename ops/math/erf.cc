// Erf: TF's Gauss error function, elementwise. TFLite has no kernel for it
// (the converter emits CUSTOM "Erf" with options {T}).
//
// Eigen's vectorized erf is the very implementation TF's CPU kernel
// evaluates, so the two runtimes agree to the last few ulps (elementwise.h,
// which also flushes subnormals to zero as TF does).
#include "elementwise.h"

namespace opbridge {
namespace {

Status ErfKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double, Eigen::half, Eigen::bfloat16>(ctx, 10, math::packet_exprs::Erf{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Erf")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gauss error function, elementwise (tf.math.erf).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(ErfKernel));

}  // namespace
}  // namespace opbridge
