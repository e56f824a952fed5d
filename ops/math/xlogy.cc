// Xlogy: TF's x * log(y), 0 where x is 0 (tf.math.xlogy) in float64, half and bfloat16: the converter leaves
// CUSTOM "Xlogy" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's xlogy_op: 0 where x == 0 (even for
// y <= 0 or NaN y), else x * log(y).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 5, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, double>) {
      return x == 0.0 ? 0.0 : x * std::log(y);
    } else {  // TF: log(y) rounded, then the product rounded
      return x == T(0) ? T(0) : T(x * T(std::log(static_cast<float>(y))));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Xlogy")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * log(y), 0 where x == 0, with broadcasting (tf.math.xlogy).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
