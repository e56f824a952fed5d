// Opbridge>Lgamma: log|gamma(x)| in one kernel (TF's Lgamma: same input,
// output and attrs). The converter lowers tf.math.lgamma on float32 into about
// 58 builtin ops; opbridge.convert substitutes this op for TF's Lgamma
// (Replaces) before converting, so the model runs one fused kernel instead.
//
// Same computation as TF's kernel (Eigen's lgamma, i.e. the C library's
// lgamma_r), so both runtimes agree with tf.math.lgamma to the last ulp.
#include "elementwise.h"

namespace opbridge {
namespace {

Status OpbridgeLgammaKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double>(ctx, 40, [](const auto& x) { return x.lgamma(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Lgamma")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("log|gamma(x)|, elementwise; computes TF's Lgamma (tf.math.lgamma) in one kernel.")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .Replaces("Lgamma")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(OpbridgeLgammaKernel));

}  // namespace
}  // namespace opbridge
