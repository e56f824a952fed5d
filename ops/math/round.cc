// Round: TF's round half to even (tf.math.round) in float64, half and bfloat16: the converter leaves
// CUSTOM "Round" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's functor (scalar_round_half_to_even_op) is
// rint wherever Eigen has a vectorized round for the type, as for double on
// TF's x86 wheel: rint in the default rounding mode is what it computes
// (measured: 0.49999999999999994 -> 0, 2^52 + 1 stays, where TF's fallback
// formula floor(x + 0.5) would give 1 and 2^52 + 2).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, double>) {
      return std::nearbyint(x);
    } else {  // exact: every half (bfloat16) is a float
      return T(std::nearbyint(static_cast<float>(x)));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Round")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Round half to even (tf.math.round).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
