// Polygamma: TF's polygamma function psi^(a)(x), the a-th derivative of
// digamma, elementwise with broadcasting (tf.math.polygamma). TFLite has no
// kernel: the converter emits CUSTOM "Polygamma" with options {T}.
//
// Eigen's polygamma, as TF's kernel (one element at a time: Eigen has no
// polygamma packets): digamma for a == 0, else (-1)^(a+1) a! zeta(a + 1, x);
// NaN for a that is not a non-negative integer. Bit-identical to TF.
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include "broadcast.h"

namespace opbridge {
namespace {

Status PolygammaKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<float, double>(ctx, 400,
                                              [](auto a, auto x) { return Eigen::numext::polygamma(a, x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Polygamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Polygamma function psi^(a)(x), elementwise with broadcasting "
                              "(tf.math.polygamma).")
                         .Input("a: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(PolygammaKernel));

}  // namespace
}  // namespace opbridge
