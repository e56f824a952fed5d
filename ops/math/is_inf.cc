// IsInf: TF's x is +inf or -inf (tf.math.is_inf) in float64, half and
// bfloat16: the converter leaves CUSTOM "IsInf" {T} for those dtypes, which
// TFLite's builtins lack (measured: a float64 is_inf model had no kernel).
// float32 too, as TF's attr allows (a Select TF ops node may carry it).
// Bool output.
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<float, double, Eigen::half, Eigen::bfloat16>(
      ctx, 1, [](auto x) { return std::isinf(static_cast<double>(x)); });
}

OPBRIDGE_REGISTER_OP(OpSpec("IsInf")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether x is +inf or -inf (tf.math.is_inf).")
                         .Input("x: T")
                         .Output("y: bool")
                         .Attr("T: {bfloat16, half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
