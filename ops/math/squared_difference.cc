// SquaredDifference: TF's (x - y)^2 (tf.math.squared_difference) in float64, half, bfloat16,
// float, int32 and int64: the converter leaves CUSTOM "SquaredDifference" {T} for those
// TFLite's builtins lack (measured by tools/census_float64.py). Exact: (x - y) * (x - y)
// as TF's; integers wrap (int_arith.h). Complex64 and complex128 (also custom): TF's
// (x - y) * conj(x - y), Eigen's packet product (its imaginary part +0 for finite x - y)
// except in TF's scalar tail (packet_tail.h), where std::complex's operator* may
// recover infinities from a NaN product as the C library does.
#include <complex>

#include "packet_tail.h"
#include "complex_scalar_ops.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype();
  if (dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    const auto packet = [](auto x, auto y) {
      const decltype(x) d = x - y;
      return math::PacketMul(d, std::conj(d));
    };
    const auto scalar = [](auto x, auto y) {
      const decltype(x) d = x - y;
      return d * std::conj(d);
    };
    return math::ComplexBinary(ctx, 2, packet, scalar);
  }
  const auto fn = [](auto x, auto y) {
    const decltype(x) d = math::WrapSub(x, y);  // rounded to T, as TF
    return decltype(x)(math::WrapMul(d, d));
  };
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16, float, int32_t, int64_t>(ctx, 1, fn);
}

OPBRIDGE_REGISTER_OP(OpSpec("SquaredDifference")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("(x - y)^2 with broadcasting (tf.math.squared_difference).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, int32, int64, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
