// Sin: TF's sine (tf.math.sin) in float64, half and bfloat16: the converter leaves
// CUSTOM "Sin" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's CPU kernel computes the C library's sin
// per element (Eigen has no vectorized double sin in TF's AVX build; ours would
// vectorize it with SSE2 and differ in the last bit): so does this kernel, exactly.
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::UnaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 5, [](auto x) {
    using T = decltype(x);
    if constexpr (std::is_same_v<T, double>) {
      return std::sin(x);
    } else {
      return T(std::sin(static_cast<float>(x)));
    }
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Sin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sine, elementwise (tf.math.sin).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
