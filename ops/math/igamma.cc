// Igamma: TF's regularized lower incomplete gamma function P(a, x),
// elementwise with broadcasting (tf.math.igamma). TFLite has no kernel: the
// converter emits CUSTOM "Igamma" with options {T}.
//
// Eigen's igamma (Cephes' series / continued fraction), as TF's kernel:
// NaN for a <= 0 or x < 0 (P(a, 0) = 0 for a > 0), and NaN in, NaN out.
// Broadcasting follows TF's binary cwise ops (broadcast.h). On CPUs with AVX2
// float32 runs the same operations 8 lanes at a time (igamma_lanes_avx2.h),
// float64 in 4 lanes refilled as elements finish (igamma_refill_avx2.h):
// TF's bits.
#include "broadcast.h"
#include "igamma_refill_avx2.h"

namespace opbridge {
namespace {

Status IgammaKernel(KernelContext& ctx) {
  const auto scalar = [](auto a, auto x) { return Eigen::numext::igamma(a, x); };
#if defined(__x86_64__)
  const auto lanes = [](const auto* a, int64_t step_a, const auto* x, int64_t step_x, auto* out, int64_t n) {
    math::igamma_refill_avx2::RunEitherType</*kUpper=*/false>(a, step_a, x, step_x, out, n);
  };
  return math::BinaryBroadcastWithLanes<float, double>(ctx, 300, scalar, lanes);
#else
  return math::BinaryBroadcast<float, double>(ctx, 300, scalar);
#endif
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
