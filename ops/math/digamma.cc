// Digamma: TF's digamma function (psi, the derivative of lgamma), elementwise
// (tf.math.digamma). TFLite has no kernel: the converter emits CUSTOM
// "Digamma" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. Eigen's digamma is NaN at 0 and
// at the negative integers (its poles). float32 on CPUs with AVX2 runs the same
// operations 8 lanes at a time (digamma_float_avx2.h: TF's bits, ~3x faster).
#include "avx2_dispatch.h"
#include "digamma_float_avx2.h"
#include "elementwise.h"

namespace opbridge {
namespace {

Status DigammaKernel(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() == DType::kFloat32 && math::UseAvx2()) {
    const float* in = x.data<float>();
    float* out = ctx.output(0).data<float>();
    ctx.ParallelFor(x.num_elements(), 40, [&](int64_t begin, int64_t end) {
      math::digamma_float_avx2::Apply(in + begin, out + begin, end - begin);
    });
    return Status::Ok();
  }
#endif
  return math::UnaryElementwise<float, double, Eigen::half>(ctx, 40,
                                                            [](const auto& x) { return x.digamma(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Digamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Digamma function (psi, the derivative of lgamma), elementwise (tf.math.digamma).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(DigammaKernel));

}  // namespace
}  // namespace opbridge
