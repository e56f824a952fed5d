// Sigmoid: TF's logistic function (tf.math.sigmoid) in float64, half and bfloat16: the converter leaves
// CUSTOM "Sigmoid" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's scalar_logistic_op, as TF's CPU kernel evaluates it.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 5, math::packet_exprs::Sigmoid{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Sigmoid")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("1 / (1 + e^-x), elementwise (tf.math.sigmoid).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
