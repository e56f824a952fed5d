// TruncateMod: TF's remainder of the quotient rounded toward zero, the sign of
// x (tf.truncatemod), in the dtypes TF's CPU kernel takes (float, double,
// int32, int64; TF's op also names half and bfloat16, which no TF CPU kernel
// runs). The converter has no builtin for it in any dtype: every model using
// it holds CUSTOM "TruncateMod" {T}.
// Floats: C's fmod, exact (x % 0, inf % y are NaN; a subnormal divisor is
// flushed to zero first, as TF's CPU kernels run). Integers: C's %; a zero
// divisor is an error (TF fails the op too), INT_MIN % -1 is 0 where C traps
// (int_arith.h).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(math::CheckIntegerDivisors(ctx.input(1), ctx.output(0).num_elements()));
  return math::BinaryMap<double, float, int32_t, int64_t>(ctx, 5, [](auto x, auto y) {
    if constexpr (std::is_integral_v<decltype(x)>) {
      return math::TruncModInt(x, y);
    } else {
      return std::fmod(x, y);
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("TruncateMod")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Remainder of x / y rounded toward zero, the sign of x (tf.truncatemod).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {float, double, int32, int64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
