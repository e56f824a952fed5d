// Igamma: TF's regularized lower incomplete gamma function P(a, x),
// elementwise with broadcasting (tf.math.igamma). TFLite has no kernel: the
// converter emits CUSTOM "Igamma" with options {T}.
//
// Eigen's igamma (Cephes' series / continued fraction), as TF's kernel:
// NaN for a <= 0 or x < 0 (P(a, 0) = 0 for a > 0), and NaN in, NaN out.
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include "broadcast.h"

namespace opbridge {
namespace {

Status IgammaKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<float, double>(ctx, 300, [](auto a, auto x) { return Eigen::numext::igamma(a, x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Igamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Regularized lower incomplete gamma function P(a, x), elementwise with "
                              "broadcasting (tf.math.igamma).")
                         .Input("a: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(IgammaKernel));

}  // namespace
}  // namespace opbridge
