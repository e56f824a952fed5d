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
#include "igamma_lanes_avx2.h"
#include "igamma_refill_avx2.h"

namespace opbridge {
namespace {

Status IgammacKernel(KernelContext& ctx) {
  const auto scalar = [](auto a, auto x) { return Eigen::numext::igammac(a, x); };
#if defined(__x86_64__)
  // float64 refills a lane as soon as its element is done: in groups, its
  // loops ran slower than one element at a time (igamma_refill_avx2.h).
  const auto lanes = [](const auto* a, int64_t step_a, const auto* x, int64_t step_x, auto* out, int64_t n) {
    if constexpr (std::is_same_v<std::decay_t<decltype(*a)>, float>) {
      math::igamma_lanes_avx2::Run</*kUpper=*/true>(a, step_a, x, step_x, out, n);
    } else {
      math::igamma_refill_avx2::Run</*kUpper=*/true>(a, step_a, x, step_x, out, n);
    }
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
