// Square: TF's x * x (tf.math.square) in every dtype TF's CPU kernel takes: the
// converter leaves CUSTOM "Square" {T} for those the builtin SQUARE lacks
// (float64, half, bfloat16, complex, the integers; measured). Integers wrap (int_arith.h). The same products and sums as TF's (real: one rounding).
#include <complex>

#include "cwise.h"
#include "elementwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  if (math::IsIntegerDType(ctx.input(0).dtype())) {
    return math::UnaryMap<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
        ctx, 1, [](auto v) { return math::WrapMul(v, v); });
  }
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>, float>(
      ctx, 1, [](const auto& x) { return x.square(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Square")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * x, elementwise (tf.math.square).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
