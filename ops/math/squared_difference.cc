// SquaredDifference: TF's (x - y)^2 (tf.math.squared_difference) in float64: the converter leaves
// CUSTOM "SquaredDifference" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact: (x - y) * (x - y) as TF's.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 1, [](double x, double y) { const double d = x - y; return d * d; });
}

OPBRIDGE_REGISTER_OP(OpSpec("SquaredDifference")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("(x - y)^2 with broadcasting (tf.math.squared_difference).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
