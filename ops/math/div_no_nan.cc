// DivNoNan: TF's x / y, 0 where y is 0 (tf.math.divide_no_nan) in float64: the converter leaves
// CUSTOM "DivNoNan" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's no_nan_op: 0 where y == 0 (even 0 / 0).
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 2, [](double x, double y) { return y != 0.0 ? x / y : 0.0; });
}

OPBRIDGE_REGISTER_OP(OpSpec("DivNoNan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, 0 where y == 0, with broadcasting (tf.math.divide_no_nan).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
