// Sqrt: TF's square root (tf.math.sqrt) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Sqrt" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). Correctly rounded, as TF's.
// Complex (tf.exp(tf.complex(...)) and the like; measured CUSTOM): Eigen's functor too,
// TF's bits (measured over special and random values); complex64 in AVX2's
// 4 lanes where the CPU has it (packet_exprs.h), as TF's wheel computes it.
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 2, math::packet_exprs::Sqrt{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Sqrt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Square root, elementwise (tf.math.sqrt).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
