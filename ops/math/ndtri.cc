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
#include "special_float_avx2.h"

namespace opbridge {
namespace {

Status NdtriKernel(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& x = ctx.input(0);
  if (x.dtype() == DType::kFloat32 && math::UseAvx2()) {
    const float* in = x.data<float>();
    float* out = ctx.output(0).data<float>();
    // Chunks start on multiples of 64 elements: only the tensor's last n % 8
    // elements take the scalar path, whatever the thread count.
    ctx.ParallelFor(
        x.num_elements(), 10,
        [&](int64_t begin, int64_t end) {
          const int64_t packets = (end - begin) / 8 * 8;
          math::special_avx2::NdtriFloat(in + begin, out + begin, packets);
          for (int64_t i = begin + packets; i < end; ++i) out[i] = Eigen::numext::ndtri(in[i]);
        },
        /*grain=*/64);
    return Status::Ok();
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
