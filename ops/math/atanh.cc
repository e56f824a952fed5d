// Atanh: TF's inverse hyperbolic tangent, elementwise (tf.math.atanh). TFLite
// has no kernel: the converter emits CUSTOM "Atanh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// and bfloat16 go through float and are rounded, as in TF (bfloat16 element by
// element with the C library's float function, as TF's Eigen has no bfloat16
// packet for it: bfloat16_libm.h). atanh(+-1) is +-inf and real |x| > 1 gives
// NaN, as in TF. float32 on CPUs with AVX2 runs Eigen's packet algorithm 8
// lanes wide (special_float_avx2.h), as TF's AVX build does, and the last n % 8
// elements through the scalar atanh, as TF's Eigen does: TF's bits.
#include <cmath>

#include "avx2_dispatch.h"
#include "bfloat16_libm.h"
#include "elementwise.h"
#include "float_lanes.h"
#include "special_float_avx2.h"

namespace opbridge {
namespace {

Status AtanhKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kBFloat16) {  // TF's scalar path (bfloat16_libm.h)
    return math::BFloat16ThroughFloat(ctx, 20, [](float v) { return std::atanh(v); });
  }
#if defined(__x86_64__)  // elsewhere (aarch64): Eigen's packet math below, NEON there
  if (ctx.input(0).dtype() == DType::kFloat32 && math::UseAvx2()) {
    return math::ApplyFloatLanes(ctx, 2, math::special_avx2::AtanhFloat, [](float v) { return std::atanh(v); });
  }
#endif
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& v) { return v.atanh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Atanh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse hyperbolic tangent, elementwise (tf.math.atanh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AtanhKernel));

}  // namespace
}  // namespace opbridge
