// Opbridge>Lgamma: log|gamma(x)| in one kernel (TF's Lgamma: same input,
// output and attrs). The converter lowers tf.math.lgamma on float32 into about
// 58 builtin ops; opbridge.convert substitutes this op for TF's Lgamma
// (Replaces) before converting, so the model runs one fused kernel instead.
//
// float64 is the same computation as TF's kernel (Eigen's lgamma, i.e. the C
// library's lgamma_r), so it agrees with tf.math.lgamma to the last ulp.
// float32 uses a vectorized float evaluation instead (lgamma_float.h): several
// times faster than both the C library and the converter's builtin
// decomposition, and within a few ulp of TF.
#include "elementwise.h"
#include "lgamma_float.h"

namespace opbridge {
namespace {

Status OpbridgeLgammaKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() == DType::kFloat32) {
    const float* in = x.data<float>();
    float* out = ctx.output(0).data<float>();
    ctx.ParallelFor(x.num_elements(), 8, [&](int64_t begin, int64_t end) {
      math::LgammaFloat(in + begin, out + begin, end - begin);
    });
    return Status::Ok();
  }
  return math::UnaryElementwise<double>(ctx, 40, [](const auto& v) { return v.lgamma(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Lgamma")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("log|gamma(x)|, elementwise; computes TF's Lgamma (tf.math.lgamma) in one kernel.")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .Replaces("Lgamma")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(OpbridgeLgammaKernel));

}  // namespace
}  // namespace opbridge
