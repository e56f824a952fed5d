// Cos: TF's cosine (tf.math.cos) in float64: the converter leaves
// CUSTOM "Cos" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's CPU kernel computes the C library's cos
// per element (Eigen has no vectorized double cos in TF's AVX build; ours would
// vectorize it with SSE2 and differ in the last bit): so does this kernel, exactly.
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double>(ctx, 5, [](double x) { return std::cos(x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cos")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cosine, elementwise (tf.math.cos).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
