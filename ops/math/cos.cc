// Cos: TF's cosine (tf.math.cos) in float64, half, bfloat16, complex64 and complex128:
// the converter leaves CUSTOM "Cos" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's CPU kernel computes the C library's cos
// per element (Eigen has no vectorized double cos in TF's AVX build; ours would
// vectorize it with SSE2 and differ in the last bit): so does this kernel, exactly.
// Complex (tf.exp(tf.complex(...)) and the like; measured CUSTOM): Eigen's functor too,
// TF's bits (measured over special and random values).
#include <cmath>
#include <complex>
#include <type_traits>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const auto fn = [](auto x) {
    using T = decltype(x);
    // double and complex: the C library's function, as TF's (Eigen's complex
    // functors call std::cos/std::sin; it has no complex packet path for them).
    if constexpr (std::is_same_v<T, double> || std::is_same_v<T, std::complex<float>> ||
                  std::is_same_v<T, std::complex<double>>) {
      return std::cos(x);
    } else {
      return T(std::cos(static_cast<float>(x)));
    }
  };
  return math::UnaryMap<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(ctx, 5, fn);
}

OPBRIDGE_REGISTER_OP(OpSpec("Cos")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cosine, elementwise (tf.math.cos).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
