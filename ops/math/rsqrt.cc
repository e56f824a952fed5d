// Rsqrt: TF's 1 / sqrt(x) (tf.math.rsqrt) in float64, half and bfloat16: the converter leaves
// CUSTOM "Rsqrt" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's scalar_rsqrt_op (1 / sqrt(x) for double), as TF's.
#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16>(ctx, 3, [](const auto& x) { return x.rsqrt(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Rsqrt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("1 / sqrt(x), elementwise (tf.math.rsqrt).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
