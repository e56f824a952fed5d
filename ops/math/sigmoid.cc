// Sigmoid: TF's logistic function (tf.math.sigmoid) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Sigmoid" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's scalar_logistic_op, as TF's CPU kernel evaluates it.
// Complex64: Eigen's logistic packet steps; TF's AVX packets round some
// results 1 ulp apart from this build's (measured; tests allow 2). Complex128 is exact.
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 5, math::packet_exprs::Sigmoid{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Sigmoid")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("1 / (1 + e^-x), elementwise (tf.math.sigmoid).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
