// Rsqrt: TF's 1 / sqrt(x) (tf.math.rsqrt) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Rsqrt" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Eigen's scalar_rsqrt_op (1 / sqrt(x) for double), as TF's.
// Complex (tf.exp(tf.complex(...)) and the like; measured CUSTOM): Eigen's functor too,
// TF's bits (measured over special and random values).
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 3, [](const auto& x) { return x.rsqrt(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Rsqrt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("1 / sqrt(x), elementwise (tf.math.rsqrt).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
