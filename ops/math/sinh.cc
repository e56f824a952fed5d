// Sinh: TF's hyperbolic sine, elementwise (tf.math.sinh). TFLite has no
// kernel: the converter emits CUSTOM "Sinh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// and bfloat16 go through float and are rounded, as in TF (bfloat16 element by
// element with the C library's float function, as TF's Eigen has no bfloat16
// packet for it: bfloat16_libm.h). float32 on CPUs with AVX2 and FMA is
// computed in double lanes and rounded once (hyperbolic_float_avx2.h: the
// correctly rounded value but near float halfway points).
#include <cmath>

#include "avx2_dispatch.h"
#include "bfloat16_libm.h"
#include "elementwise.h"
#include "float_lanes.h"
#include "hyperbolic_float_avx2.h"

namespace opbridge {
namespace {

Status SinhKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kBFloat16) {  // TF's scalar path (bfloat16_libm.h)
    return math::BFloat16ThroughFloat(ctx, 20, [](float v) { return std::sinh(v); });
  }
#if defined(__x86_64__)  // float32 on AVX2+FMA: in double lanes (hyperbolic_float_avx2.h)
  if (ctx.input(0).dtype() == DType::kFloat32 && math::UseAvx2Fma()) {
    return math::ApplyFloatLanes(ctx, 2, math::hyperbolic_float_avx2::Apply<true>,
                                 [](float v) { return std::sinh(v); });
  }
#endif
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.sinh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Sinh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Hyperbolic sine, elementwise (tf.math.sinh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(SinhKernel));

}  // namespace
}  // namespace opbridge
