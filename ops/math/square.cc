// Square: TF's x * x (tf.math.square), float64 and complex: the converter leaves
// CUSTOM "Square" {T} for those dtypes, complex64 and complex128, which TFLite lacks (measured by
// tools/census_float64.py). The same products and sums as TF's (real: one rounding).
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 1, [](const auto& x) { return x.square(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Square")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * x, elementwise (tf.math.square).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
