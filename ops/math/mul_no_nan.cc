// MulNoNan: TF's x * y, 0 where y is 0 (tf.math.multiply_no_nan), with
// broadcasting, in every dtype TF's CPU kernel takes (half, bfloat16, float,
// double, complex64, complex128). The converter has no builtin for it and
// leaves CUSTOM "MulNoNan" {T} for all of them (measured).
// TF's no_nan_op: where y == 0 (+0 or -0; complex: both parts) the result is
// +0 even for an infinite or NaN x; else the product, one rounding in T (half
// and bfloat16 multiply in float and round, as TF's packets). Complex
// products are Eigen's packet product (ac - bd, ad + bc) except in TF's
// scalar tail (packet_tail.h), which uses std::complex's operator*
// (the C library's, recovering infinities from NaN results).
#include <complex>
#include <type_traits>

#include "zero_select_run.h"
#include "packet_tail.h"
#include "complex_scalar_ops.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype();
  if (dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    const auto packet = [](auto x, auto y) {
      using C = decltype(x);
      return math::IsComplexZero(y) ? C(0) : math::PacketMul(x, y);
    };
    const auto scalar = [](auto x, auto y) {
      using C = decltype(x);
      return math::IsComplexZero(y) ? C(0) : x * y;
    };
    return math::ComplexBinary(ctx, 2, packet, scalar);
  }
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  OPBRIDGE_REQUIRE(a.dtype() == b.dtype(), "inputs '", a.name(), "' and '", b.name(), "' differ in dtype: ",
                   DTypeName(a.dtype()), " vs ", DTypeName(b.dtype()));
  // Explicit packets (zero_select_run.h): a select per element was a mispredicting branch.
  const auto run = [](const auto* x, int64_t step_x, const auto* y, int64_t step_y, auto* out, int64_t n) {
    math::ZeroSelectRun<math::ZeroRule::kZeroWhereY, math::PacketProduct>(x, step_x, y, step_y, out, n);
  };
  return math::BinaryBroadcastRuns<float, double, Eigen::half, Eigen::bfloat16>(ctx, 1, run);
}

OPBRIDGE_REGISTER_OP(OpSpec("MulNoNan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * y, 0 where y == 0 (even for inf or NaN x), with broadcasting "
                              "(tf.math.multiply_no_nan).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
