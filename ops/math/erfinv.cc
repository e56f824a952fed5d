// Erfinv: TF's inverse error function, elementwise (tf.math.erfinv). TFLite
// has no kernel: the converter emits CUSTOM "Erfinv" with options {T}.
//
// TF defines erfinv(x) = ndtri((x + 1) / 2) / sqrt(2) with Eigen's ndtri
// (Cephes' inverse normal CDF), computed as ndtri(0.5 * x + 0.5) * sqrt(1/2);
// this is the same expression over the same Eigen functor. So erfinv(+-1) is
// +-inf, |x| > 1 is NaN, and near x = 1 the result carries the rounding of
// 0.5 * x + 0.5 exactly as TF's does. TF registers no half kernel on CPU.
// float32 on CPUs with AVX2 runs Eigen's packet algorithm 8 lanes wide
// (special_float_avx2.h), as TF's AVX build does, and the last n % 8 elements
// through Eigen's scalar ndtri, as TF's Eigen does: TF's bits.
#include <cmath>

#include "avx2_dispatch.h"
#include "elementwise.h"
#include "float_lanes.h"
#include "special_float_avx2.h"

namespace opbridge {
namespace {

Status ErfinvKernel(KernelContext& ctx) {
#if defined(__x86_64__)  // elsewhere (aarch64): Eigen's packet math below, NEON there
  if (ctx.input(0).dtype() == DType::kFloat32 && math::UseAvx2()) {
    return math::ApplyFloatLanes(ctx, 10, math::special_avx2::ErfinvFloat, [](float v) {
      return Eigen::numext::ndtri(0.5f * v + 0.5f) * static_cast<float>(M_SQRT1_2);
    });
  }
#endif
  return math::UnaryElementwise<float, double>(ctx, 30, [](const auto& v) {
    using T = typename std::decay_t<decltype(v)>::Scalar;
    return (v * T(0.5) + T(0.5)).ndtri() * T(M_SQRT1_2);
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
