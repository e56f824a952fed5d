// Log: TF's natural logarithm (tf.math.log) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Log" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's functor, as TF's CPU kernel evaluates it. log(0) = -inf, log(x < 0) = NaN.
// Complex64: Eigen's packet log; on AVX2 CPUs in TF's 4-wide packets (the AVX2
// build of packet_exprs.h), TF's bits; the baseline build's 2-wide packets
// round some arguments 1 ulp apart (measured; tests allow 2).
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 5, math::packet_exprs::Log{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Log")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Natural logarithm, elementwise (tf.math.log).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
