// FloorDiv: TF's floor(x / y) (tf.math.floordiv, //) in every real dtype TF's CPU
// kernel takes: the converter leaves CUSTOM "FloorDiv" {T} for those TFLite's
// FLOOR_DIV lacks (float64, half, bfloat16, int64, the unsigned ints; measured;
// int64 index arithmetic hits it). Floats: TF's google_floor_div_real, floor of
// the rounded quotient (so, as TF, 1 // 0.1 is 10, not 9). Integers: the
// quotient rounded toward -inf; a zero divisor is an error, as TF's ("Integer
// division by zero"), and INT_MIN // -1 wraps to INT_MIN where TF's CPU kernel
// would trap (int_arith.h).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(math::CheckIntegerDivisors(ctx.input(1), ctx.output(0).num_elements()));
  return math::BinaryMapRealNumber(ctx, 2, [](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
      return std::floor(a / b);
    } else if constexpr (!std::is_integral_v<T>) {
      // TF: the quotient rounded to half (bfloat16), then its floor.
      return T(std::floor(static_cast<float>(T(a / b))));
    } else {
      return math::FloorDivInt(a, b);
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FloorDiv")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("floor(x / y) with broadcasting (tf.math.floordiv).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr(math::kRealNumberTypes)
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
