// Neg: TF's -x (tf.math.negative) in every dtype TF's CPU kernel takes: the
// converter leaves CUSTOM "Neg" {T} for those the builtin NEG lacks (float64,
// half, bfloat16, complex, int8, int16; measured). Exact; integers wrap
// (-INT_MIN is INT_MIN, int_arith.h).
#include <complex>

#include "cwise.h"
#include "elementwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  if (math::IsIntegerDType(ctx.input(0).dtype())) {
    return math::UnaryMap<int8_t, int16_t, int32_t, int64_t>(ctx, 1, [](auto v) { return math::WrapNeg(v); });
  }
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>, float>(ctx, 1,
                                                                                   [](const auto& x) { return -x; });
}

OPBRIDGE_REGISTER_OP(OpSpec("Neg")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("-x, elementwise (tf.math.negative).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int8, int16, int32, int64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
