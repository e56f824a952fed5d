// Igammac: TF's regularized upper incomplete gamma function Q(a, x) =
// 1 - P(a, x), elementwise with broadcasting (tf.math.igammac). TFLite has no
// kernel: the converter emits CUSTOM "Igammac" with options {T}.
//
// Eigen's igammac, as TF's kernel (computed directly, not as 1 - P, so small
// tails keep their precision); NaN for a <= 0 or x < 0. Broadcasting follows
// TF's binary cwise ops (broadcast.h).
#include "broadcast.h"

namespace opbridge {
namespace {

Status IgammacKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<float, double>(ctx, 300,
                                              [](auto a, auto x) { return Eigen::numext::igammac(a, x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Igammac")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Regularized upper incomplete gamma function Q(a, x), elementwise with "
                              "broadcasting (tf.math.igammac).")
                         .Input("a: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(IgammacKernel));

}  // namespace
}  // namespace opbridge
