// Zeta: TF's Hurwitz zeta function zeta(x, q) = sum over n >= 0 of
// (q + n)^-x, elementwise with broadcasting (tf.math.zeta). TFLite has no
// kernel: the converter emits CUSTOM "Zeta" with options {T}.
//
// Eigen's zeta (Cephes' Euler-Maclaurin summation), as TF's kernel, which
// evaluates it one element at a time (Eigen has no zeta packets): bit-identical
// to TF. Edges as Eigen: +inf at x == 1, NaN for x < 1; for q <= 0, at an
// integer q +inf for even x and NaN otherwise, at other q NaN unless x is an
// integer (then the sum is taken as it stands).
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include "broadcast.h"

namespace opbridge {
namespace {

Status ZetaKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<float, double>(ctx, 400,
                                              [](auto x, auto q) { return Eigen::numext::zeta(x, q); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Zeta")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Hurwitz zeta function zeta(x, q), elementwise with broadcasting "
                              "(tf.math.zeta).")
                         .Input("x: T")
                         .Input("q: T")
                         .Output("z: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(ZetaKernel));

}  // namespace
}  // namespace opbridge
