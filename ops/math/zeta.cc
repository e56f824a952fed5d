// Zeta: TF's Hurwitz zeta function zeta(x, q) = sum over n >= 0 of
// (q + n)^-x, elementwise with broadcasting (tf.math.zeta). TFLite has no
// kernel: the converter emits CUSTOM "Zeta" with options {T}.
//
// Eigen's zeta (Cephes' Euler-Maclaurin summation), as TF's kernel, which
// evaluates it one element at a time (Eigen has no zeta packets): bit-identical
// to TF. Edges as Eigen: +inf at x == 1, NaN for x < 1; for q <= 0, at an
// integer q +inf for even x and NaN otherwise, at other q NaN unless x is an
// integer (then the sum is taken as it stands).
// Broadcasting follows TF's binary cwise ops (broadcast.h). On CPUs with AVX2
// the same operations run 8 float32 or 4 float64 lanes at a time
// (zeta_lanes_avx2.h: TF's bits).
#include "broadcast.h"
#include "zeta_lanes_avx2.h"

namespace opbridge {
namespace {

Status ZetaKernel(KernelContext& ctx) {
  const auto scalar = [](auto x, auto q) { return Eigen::numext::zeta(x, q); };
#if defined(__x86_64__)
  const auto lanes = [](const auto* x, int64_t step_x, const auto* q, int64_t step_q, auto* out, int64_t n) {
    math::zeta_lanes_avx2::Run(x, step_x, q, step_q, out, n);
  };
  return math::BinaryBroadcastWithLanes<float, double>(ctx, 400, scalar, lanes);
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
