// Neg: TF's -x (tf.math.negative) in float64 and complex: the converter leaves
// CUSTOM "Neg" {T} for those dtypes, complex64 and complex128, which TFLite's builtins lack (measured by
// tools/census_float64.py). Exact.
#include <complex>

#include "elementwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryElementwise<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(ctx, 1,
                                                                                   [](const auto& x) { return -x; });
}

OPBRIDGE_REGISTER_OP(OpSpec("Neg")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("-x, elementwise (tf.math.negative).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
