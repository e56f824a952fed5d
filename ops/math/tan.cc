// Tan: TF's tangent, elementwise (tf.math.tan). TFLite has no kernel: the
// converter emits CUSTOM "Tan" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. float32 on CPUs with AVX2 and
// FMA is computed in double lanes and rounded once (tan_float_avx2.h: the
// correctly rounded value but near float halfway points; TF's tanf is 1 ulp
// off on about 4% of inputs).
#include "avx2_dispatch.h"
#include "elementwise.h"
#include "float_lanes.h"
#include "tan_float_avx2.h"

namespace opbridge {
namespace {

Status TanKernel(KernelContext& ctx) {
#if defined(__x86_64__)  // float32 on AVX2+FMA: in double lanes (tan_float_avx2.h)
  if (ctx.input(0).dtype() == DType::kFloat32 && math::UseAvx2Fma()) {
    return math::ApplyFloatLanes(ctx, 3, math::tan_float_avx2::Apply, math::tan_float_avx2::TanFloatScalar);
  }
#endif
  return math::UnaryElementwise<float, double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.tan(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Tan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Tangent, elementwise (tf.math.tan).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(TanKernel));

}  // namespace
}  // namespace opbridge
