// FloorMod: TF's x mod y with the sign of y (tf.math.floormod, %) in every real dtype
// TF's CPU kernel takes: the converter leaves CUSTOM "FloorMod" {T} for those
// TFLite's builtins lack (float64, half, bfloat16, the unsigned ints; measured).
// Floats: TF's google_floor_fmod: fmod(x, y), plus y where that is non-zero and
// its sign differs from y's (exact; x % 0 is NaN). Integers: the same rule on
// C's %; a zero divisor is TF's error ("Integer division by zero"), INT_MIN % -1
// is 0 where C traps (int_arith.h).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(math::CheckIntegerDivisors(ctx.input(1), ctx.output(0).num_elements()));
  return math::BinaryMapRealNumber(ctx, 5, [](auto x, auto y) {
    using T = decltype(x);
    if constexpr (std::is_integral_v<T>) {
      return math::FloorModInt(x, y);
    } else {
      // fmod is exact, so half's (TF: in float, rounded) equals the float one.
      T m;
      if constexpr (std::is_same_v<T, double>) {
        m = std::fmod(x, y);
      } else {
        m = T(std::fmod(static_cast<float>(x), static_cast<float>(y)));
      }
      const bool adjust = m != T(0) && ((y < T(0)) != (m < T(0)));
      if constexpr (std::is_same_v<T, double>) {
        // Chosen by mask, not by a branch: with random signs the branch
        // mispredicted every other element (a third of the kernel's time).
        const double sum = m + y;
        uint64_t m_bits, sum_bits;
        std::memcpy(&m_bits, &m, sizeof(m));
        std::memcpy(&sum_bits, &sum, sizeof(sum));
        const uint64_t take_sum = uint64_t{0} - static_cast<uint64_t>(adjust);
        const uint64_t bits = (m_bits & ~take_sum) | (sum_bits & take_sum);
        double out;
        std::memcpy(&out, &bits, sizeof(out));
        return out;
      } else {
        return adjust ? T(m + y) : m;
      }
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FloorMod")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Floor modulo: x - floor(x / y) * y, the sign of y (tf.math.floormod).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr(math::kRealNumberTypes)
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
