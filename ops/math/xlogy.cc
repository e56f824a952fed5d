// Xlogy: TF's x * log(y), 0 where x is 0 (tf.math.xlogy) in float64: the converter leaves
// CUSTOM "Xlogy" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's xlogy_op: 0 where x == 0 (even for
// y <= 0 or NaN y), else x * log(y).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 5, [](double x, double y) { return x == 0.0 ? 0.0 : x * std::log(y); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Xlogy")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * log(y), 0 where x == 0, with broadcasting (tf.math.xlogy).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
