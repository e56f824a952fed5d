// Exp: TF's e^x (tf.math.exp) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Exp" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's functor, as TF's CPU kernel evaluates it.
// Complex (tf.exp(tf.complex(...)) and the like; measured CUSTOM): Eigen's functor too,
// TF's bits (measured over special and random values).
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 5, math::packet_exprs::Exp{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Exp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("e^x, elementwise (tf.math.exp).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
