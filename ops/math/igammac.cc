// Igammac: TF's regularized upper incomplete gamma function Q(a, x) =
// 1 - P(a, x), elementwise with broadcasting (tf.math.igammac). TFLite has no
// kernel: the converter emits CUSTOM "Igammac" with options {T}.
//
// Eigen's igammac, as TF's kernel (computed directly, not as 1 - P, so small
// tails keep their precision); NaN for a <= 0 or x < 0. Broadcasting follows
// TF's binary cwise ops (broadcast.h). On CPUs with AVX2 float32 runs the
// same operations 8 lanes at a time (igamma_lanes_avx2.h), float64 in 4 lanes
// refilled as elements finish (igamma_refill_avx2.h): TF's bits.
#include "broadcast.h"
#include "igamma_refill_avx2.h"

namespace opbridge {
namespace {

Status IgammacKernel(KernelContext& ctx) {
  const auto scalar = [](auto a, auto x) { return Eigen::numext::igammac(a, x); };
#if defined(__x86_64__)
  const auto lanes = [](const auto* a, int64_t step_a, const auto* x, int64_t step_x, auto* out, int64_t n) {
    math::igamma_refill_avx2::RunEitherType</*kUpper=*/true>(a, step_a, x, step_x, out, n);
  };
  return math::BinaryBroadcastWithLanes<float, double>(ctx, 300, scalar, lanes);
#else
  return math::BinaryBroadcast<float, double>(ctx, 300, scalar);
#endif
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
