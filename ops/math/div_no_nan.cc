// DivNoNan: TF's x / y, 0 where y is 0 (tf.math.divide_no_nan) in float64, half, bfloat16, complex64 and
// complex128: the converter leaves CUSTOM "DivNoNan" {T} for those dtypes, which TFLite's builtins lack
// (measured by tools/census_float64.py; complex: tf.math.sign of a complex tensor is DivNoNan(x, |x|)).
// TF's no_nan_op: 0 where y == 0 (even 0 / 0).
// Complex (TF's div_no_nan_op<T, IsComplex>): +0 where y == 0 or where x * conj(y) == 0 (both parts: a
// zero numerator whose |y|^2 underflows), else the quotient. In packets (packet_tail.h) the
// quotient is Eigen's pdiv_complex (math::PacketDivide) and the product Eigen's packet product; in TF's
// scalar tail it is std::complex division, Smith's algorithm in T as TF's clang build computes it,
// with C99's recovery of infinite results (math::ScalarDivide), and the C library's product: TF's
// bits in both (measured).
#include <complex>

#include "packet_tail.h"
#include "complex_scalar_ops.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype();
  if (dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    const auto packet = [](auto x, auto y) {
      using C = decltype(x);
      const bool zero = math::IsComplexZero(y) || math::IsComplexZero(math::PacketMul(x, std::conj(y)));
      return zero ? C(0) : math::PacketDivide(x, y);
    };
    const auto scalar = [](auto x, auto y) {
      using C = decltype(x);
      if (math::IsComplexZero(y) || math::IsComplexZero(x * std::conj(y))) return C(0);
      return math::ScalarDivide(x, y);
    };
    return math::ComplexBinary(ctx, 4, packet, scalar);
  }
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 2, [](auto x, auto y) {
    using T = decltype(x);
    return y != T(0) ? x / y : T(0);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("DivNoNan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, 0 where y == 0, with broadcasting (tf.math.divide_no_nan).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
