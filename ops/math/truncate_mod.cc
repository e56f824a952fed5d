// TruncateMod: TF's remainder of the quotient rounded toward zero, the sign of
// x (tf.truncatemod), in the dtypes TF's CPU kernel takes (float, double,
// int32, int64; TF's op also names half and bfloat16, which no TF CPU kernel
// runs). The converter has no builtin for it in any dtype: every model using
// it holds CUSTOM "TruncateMod" {T}.
// Floats: C's fmod, exact (x % 0, inf % y are NaN; a subnormal divisor is
// flushed to zero first, as TF's CPU kernels run). Integers: C's %; a zero
// divisor is an error (TF fails the op too), INT_MIN % -1 is 0 where C traps
// (int_arith.h).
// float and int64 run in AVX2 lanes where the CPU has them, through an exact
// double quotient (truncate_mod_avx2.h: the same values; the elements it
// cannot take exactly get the scalar formula below).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cwise.h"
#include "int_arith.h"
#include "truncate_mod_avx2.h"

namespace opbridge {
namespace {

// C's fmod (TF's scalar_fmod_op) and %.
constexpr auto Remainder = [](auto x, auto y) {
  if constexpr (std::is_integral_v<decltype(x)>) {
    return math::TruncModInt(x, y);
  } else {
    return std::fmod(x, y);
  }
};

Status Kernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(math::CheckIntegerDivisors(ctx.input(1), ctx.output(0).num_elements()));
#if defined(__x86_64__)
  const DType dtype = ctx.input(0).dtype();
  if ((dtype == DType::kFloat32 || dtype == DType::kInt64) && dtype == ctx.input(1).dtype() && math::UseAvx2()) {
    return math::BinaryBroadcastRuns<float, int64_t>(
        ctx, 2, [](const auto* a, int64_t step_a, const auto* b, int64_t step_b, auto* out, int64_t n) {
          math::TruncModAvx2(a, step_a, b, step_b, out, n, Remainder);
        });
  }
#endif
  return math::BinaryMap<double, float, int32_t, int64_t>(ctx, 5, Remainder);
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
