// Cosh: TF's hyperbolic cosine, elementwise (tf.math.cosh). TFLite has no
// kernel: the converter emits CUSTOM "Cosh" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// goes through float and is rounded, as in TF. float32 on CPUs with AVX2 and
// FMA is computed in double lanes and rounded once (hyperbolic_float_avx2.h:
// the correctly rounded value but near float halfway points).
#include <cmath>

#include "avx2_dispatch.h"
#include "elementwise.h"
#include "hyperbolic_float_avx2.h"

namespace opbridge {
namespace {

Status CoshKernel(KernelContext& ctx) {
#if defined(__x86_64__)  // float32 on AVX2+FMA: in double lanes (hyperbolic_float_avx2.h)
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() == DType::kFloat32 && math::UseAvx2Fma()) {
    const float* in = x.data<float>();
    float* out = ctx.output(0).data<float>();
    // Chunks start on multiples of 64 elements: only the tensor's last n % 8
    // take the C library's coshf, whatever the thread count.
    ctx.ParallelFor(
        x.num_elements(), 2,
        [&](int64_t begin, int64_t end) {
          const int64_t packets = (end - begin) / 8 * 8;
          math::hyperbolic_float_avx2::Apply<false>(in + begin, out + begin, packets);
          for (int64_t i = begin + packets; i < end; ++i) out[i] = std::cosh(in[i]);
        },
        /*grain=*/64);
    return Status::Ok();
  }
#endif
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, [](const auto& x) { return x.cosh(); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cosh")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Hyperbolic cosine, elementwise (tf.math.cosh).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(CoshKernel));

}  // namespace
}  // namespace opbridge
