// Reciprocal: TF's 1 / x (tf.math.reciprocal) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Reciprocal" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). One division, exact as TF's; 1 / 0 = inf.
// Complex (tf.exp(tf.complex(...)) and the like; measured CUSTOM): Eigen's functor too,
// TF's bits (measured over special and random values).
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 2, [](const auto& x) { return x.inverse(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Reciprocal")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("1 / x, elementwise (tf.math.reciprocal).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
