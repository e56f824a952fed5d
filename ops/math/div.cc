// Div: TF's x / y (tf.raw_ops.Div, the legacy tf.compat.v1.div) in float64, half and bfloat16: the converter leaves
// CUSTOM "Div" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). IEEE division, exact as TF's.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 2, [](auto x, auto y) { return x / y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("Div")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y with broadcasting (tf.raw_ops.Div).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
