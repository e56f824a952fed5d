// Digamma: TF's digamma function (psi, the derivative of lgamma), elementwise
// (tf.math.digamma). TFLite has no kernel: the converter emits CUSTOM
// "Digamma" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. Eigen's digamma is NaN at 0 and
// at the negative integers (its poles). On CPUs with AVX2 float32 runs the same
// operations 8 lanes at a time, float64 4 (digamma_lanes_avx2.h: TF's bits,
// ~3x faster in float32).
#include "avx2_dispatch.h"
#include "digamma_lanes_avx2.h"
#include "elementwise.h"

namespace opbridge {
namespace {

Status DigammaKernel(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& x = ctx.input(0);
  const auto run_lanes = [&](const auto* in, auto* out) {
    ctx.ParallelFor(x.num_elements(), 40, [&](int64_t begin, int64_t end) {
      math::digamma_lanes_avx2::Apply(in + begin, out + begin, end - begin);
    });
    return Status::Ok();
  };
  if (x.dtype() == DType::kFloat32 && math::UseAvx2()) return run_lanes(x.data<float>(), ctx.output(0).data<float>());
  if (x.dtype() == DType::kFloat64 && math::UseAvx2()) {
    return run_lanes(x.data<double>(), ctx.output(0).data<double>());
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
