// Div: TF's x / y (tf.raw_ops.Div, the legacy tf.compat.v1.div) in every dtype TF's
// CPU kernel takes: the converter leaves CUSTOM "Div" {T} for those TFLite's
// builtins lack (float64, half, bfloat16, the integers; measured). (TF also
// takes complex here; tf.math.divide emits RealDiv for complex, which has it.)
// Floats: IEEE division, exact as TF's. Integers: C's
// division, truncated toward zero; a zero divisor is TF's error ("Integer
// division by zero"); INT_MIN / -1 wraps (int_arith.h).
#include <type_traits>

#include "cwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(math::CheckIntegerDivisors(ctx.input(1), ctx.output(0).num_elements()));
  return math::BinaryMapRealNumber(ctx, 2, [](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(x)>) {
      return math::TruncDivInt(x, y);
    } else {
      return decltype(x)(x / y);
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Div")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y with broadcasting (tf.raw_ops.Div).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr(math::kRealNumberTypes)
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
