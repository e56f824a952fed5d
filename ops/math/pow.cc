// Pow: TF's x ^ y (tf.math.pow) in float64: the converter leaves
// CUSTOM "Pow" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). std::pow, which Eigen's scalar_pow_op calls per element; TF's
// vectorized path (generic_pow) may differ in the last bit (the tests allow 1e-15 relative).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 10, [](double x, double y) { return std::pow(x, y); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Pow")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x ^ y with broadcasting (tf.math.pow).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
