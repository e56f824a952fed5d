// Div: TF's x / y (tf.raw_ops.Div, the legacy tf.compat.v1.div) in float64: the converter leaves
// CUSTOM "Div" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). IEEE division, exact as TF's.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 2, [](double x, double y) { return x / y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("Div")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y with broadcasting (tf.raw_ops.Div).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
