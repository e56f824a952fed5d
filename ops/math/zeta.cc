// Zeta: TF's Hurwitz zeta function zeta(x, q) = sum over n >= 0 of
// (q + n)^-x, elementwise with broadcasting (tf.math.zeta). TFLite has no
// kernel: the converter emits CUSTOM "Zeta" with options {T}.
//
// Eigen's zeta (Cephes' Euler-Maclaurin summation), as TF's kernel, which
// evaluates it one element at a time (Eigen has no zeta packets): bit-identical
// to TF. Edges as Eigen: +inf at x == 1, NaN for x < 1; for q <= 0, at an
// integer q +inf for even x and NaN otherwise, at other q NaN unless x is an
// integer (then the sum is taken as it stands).
// Broadcasting follows TF's binary cwise ops (broadcast.h). float32 on CPUs
// with AVX2 runs the same operations 8 lanes at a time (zeta_float_avx2.h:
// TF's bits).
#include "broadcast.h"
#include "zeta_float_avx2.h"

namespace opbridge {
namespace {

Status ZetaKernel(KernelContext& ctx) {
  const auto scalar = [](auto x, auto q) { return Eigen::numext::zeta(x, q); };
#if defined(__x86_64__)
  return math::BinaryBroadcastWithFloatLanes<float, double>(ctx, 400, scalar, math::zeta_float_avx2::Run);
#else
  return math::BinaryBroadcast<float, double>(ctx, 400, scalar);
#endif
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
