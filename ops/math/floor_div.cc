// FloorDiv: TF's floor(x / y) (tf.math.floordiv, //) in float64, half, bfloat16 and int64: the
// converter leaves CUSTOM "FloorDiv" {T} for those dtypes, which TFLite's
// FLOOR_DIV lacks (measured by tools/census_float64.py; int64 index arithmetic
// hits it). double: TF's google_floor_div_real, floor of the rounded quotient
// (so, as TF, 1 // 0.1 is 10, not 9). int64: the quotient rounded toward -inf;
// a zero divisor is an error, as TF's ("Integer division by zero"), and
// INT64_MIN // -1 wraps to INT64_MIN where TF's CPU kernel would trap.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cwise.h"

namespace opbridge {
namespace {

int64_t FloorDivInt(int64_t x, int64_t y) {
  if (y == -1) return x == std::numeric_limits<int64_t>::min() ? x : -x;
  const int64_t q = x / y;
  return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& y = ctx.input(1);
  if (y.dtype() == DType::kInt64 && ctx.output(0).num_elements() > 0) {  // TF checks the divisors it uses
    const int64_t* divisor = y.data<int64_t>();
    for (int64_t i = 0; i < y.num_elements(); ++i) {
      OPBRIDGE_REQUIRE(divisor[i] != 0, "Integer division by zero (input '", y.name(), "')");
    }
  }
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16, int64_t>(ctx, 2, [](auto a, auto b) {
    if constexpr (std::is_same_v<decltype(a), double>) {
      return std::floor(a / b);
    } else if constexpr (!std::is_integral_v<decltype(a)>) {
      // TF: the quotient rounded to half (bfloat16), then its floor.
      return decltype(a)(std::floor(static_cast<float>(decltype(a)(a / b))));
    } else {
      return FloorDivInt(a, b);
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FloorDiv")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("floor(x / y) with broadcasting (tf.math.floordiv).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, int64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
