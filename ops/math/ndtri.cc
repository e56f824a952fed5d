// Ndtri: TF's inverse of the standard normal CDF, elementwise (tf.math.ndtri).
// TFLite has no kernel: the converter emits CUSTOM "Ndtri" with options {T}.
//
// Evaluates Eigen's ndtri (Cephes' rational approximations), the functor TF's
// CPU kernel evaluates: ndtri(0) = -inf, ndtri(1) = +inf, NaN outside [0, 1].
// TF registers float and double only. float32 on CPUs with AVX2 runs Eigen's
// packet algorithm 8 lanes wide (special_float_avx2.h) and the last n % 8
// elements through the scalar ndtri, as TF's AVX Eigen does: TF's bits.
#include "avx2_dispatch.h"
#include "elementwise.h"
#include "float_lanes.h"
#include "special_float_avx2.h"

namespace opbridge {
namespace {

Status NdtriKernel(KernelContext& ctx) {
#if defined(__x86_64__)
  if (ctx.input(0).dtype() == DType::kFloat32 && math::UseAvx2()) {
    return math::ApplyFloatLanes(ctx, 10, math::special_avx2::NdtriFloat,
                                 [](float v) { return Eigen::numext::ndtri(v); });
  }
#endif
  return math::UnaryElementwise<float, double>(ctx, 20, [](const auto& x) { return x.ndtri(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Ndtri")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse of the standard normal CDF, elementwise (tf.math.ndtri).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(NdtriKernel));

}  // namespace
}  // namespace opbridge
