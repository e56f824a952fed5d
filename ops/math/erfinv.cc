// Erfinv: TF's inverse error function, elementwise (tf.math.erfinv). TFLite
// has no kernel: the converter emits CUSTOM "Erfinv" with options {T}.
//
// TF defines erfinv(x) = ndtri((x + 1) / 2) / sqrt(2) with Eigen's ndtri
// (Cephes' inverse normal CDF), computed as ndtri(0.5 * x + 0.5) * sqrt(1/2);
// this is the same expression over the same Eigen functor. So erfinv(+-1) is
// +-inf, |x| > 1 is NaN, and near x = 1 the result carries the rounding of
// 0.5 * x + 0.5 exactly as TF's does. TF registers no half kernel on CPU.
#include <cmath>

#include "elementwise.h"

namespace opbridge {
namespace {

Status ErfinvKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double>(ctx, 30, [](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return (x * T(0.5) + T(0.5)).ndtri() * T(M_SQRT1_2);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Erfinv")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse error function, elementwise (tf.math.erfinv).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(ErfinvKernel));

}  // namespace
}  // namespace opbridge
