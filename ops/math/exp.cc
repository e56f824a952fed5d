// Exp: TF's e^x (tf.math.exp) in float64, half and bfloat16: the converter leaves
// CUSTOM "Exp" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's functor, as TF's CPU kernel evaluates it.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 5, math::packet_exprs::Exp{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Exp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("e^x, elementwise (tf.math.exp).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
