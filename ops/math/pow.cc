// Pow: TF's x ^ y (tf.math.pow) in float64, half and bfloat16: the converter leaves
// CUSTOM "Pow" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). std::pow, which Eigen's scalar_pow_op calls per element; TF's
// vectorized path (generic_pow) may differ in the last bit (the tests allow 1e-15 relative).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 10, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, double>) {
      return std::pow(x, y);
    } else {
      return T(std::pow(static_cast<float>(x), static_cast<float>(y)));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Pow")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x ^ y with broadcasting (tf.math.pow).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
