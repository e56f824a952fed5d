// Greater: TF's x > y (tf.math.greater) in float64: the converter leaves
// CUSTOM "Greater" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). Bool output; NaN compares false.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 1, [](double x, double y) { return x > y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("Greater")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x > y with broadcasting (tf.math.greater).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: bool")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
