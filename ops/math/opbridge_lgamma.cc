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
#include "avx2_dispatch.h"
#include "elementwise.h"
#include "lgamma_float.h"
#include "lgamma_float_avx2.h"

namespace opbridge {
namespace {

Status OpbridgeLgammaKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() == DType::kFloat32) {
    const float* in = x.data<float>();
    float* out = ctx.output(0).data<float>();
    // Chunks start on multiples of 8 lanes: every element takes the same path
    // whatever the thread count.
    ctx.ParallelFor(
        x.num_elements(), 3,
        [&](int64_t begin, int64_t end) {
#if defined(__x86_64__)
          // The AVX2+FMA path where the CPU has it (OPBRIDGE_NO_AVX2=1 forces the
          // baseline one; the tests run both). Asked here, not captured: a build
          // without AVX2 copies then drops the call at compile time.
          if (math::UseAvx2Fma()) return math::lgamma_avx2::LgammaFloat(in + begin, out + begin, end - begin);
#endif
          math::LgammaFloat(in + begin, out + begin, end - begin);
        },
        /*grain=*/64);
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
