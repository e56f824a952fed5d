// Opbridge>Softplus: TF's Softplus (same input, output and attrs) for float32,
// the dtype the converter lowers into LOG(ADD(EXP(x), 1)): that overflows to
// inf from x = 89 on (TF: x) and cancels to 0 below x = -17 (TF: exp(x)), so
// tf.math.softplus, Keras' softplus and tf.math.log_sigmoid (-softplus(-x))
// come out inf or 0 there (tensorflow issues 60892, 120300). opbridge.convert
// substitutes this op for TF's float32 Softplus (Replaces); other dtypes stay
// TF's Softplus (softplus.cc), which the converter emits as a custom op.
#include <cmath>
#include <limits>

#include "../math/elementwise.h"

namespace opbridge {
namespace {

// TF's functor term for term (math::packet_exprs::Softplus) on packets, as
// TF's AVX build evaluates 8 floats at a time (the AVX2 entry of
// packet_exprs_avx2.cc; the baseline build's 4-wide packets give the same
// bits per lane). TF's last n % 8 elements take Eigen's scalar path: the C
// library's expf and log1pf (measured: 100% equal), where Eigen's array
// assignment here would finish with a partial packet, 1 ulp apart in ~40% of
// them. So the ragged tail is computed apart, with the C library.
float ScalarSoftplus(float x) {
  static const float threshold = std::log(std::numeric_limits<float>::epsilon()) + 2.0f;
  if (x > -threshold) return x;
  const float e = std::exp(x);
  return x < threshold ? e : std::log1p(e);
}

Status OpbridgeSoftplusKernel(KernelContext& ctx) {
  const float* in = ctx.input(0).data<float>();
  float* out = ctx.output(0).data<float>();
  // Chunks start on multiples of 64 elements, so only the last one has a tail.
  ctx.ParallelFor(
      ctx.input(0).num_elements(), 10,
      [&](int64_t begin, int64_t end) {
        const int64_t packets = (end - begin) / 8 * 8;
        math::ApplyRange(in + begin, out + begin, packets, math::packet_exprs::Softplus{});
        for (int64_t i = begin + packets; i < end; ++i) out[i] = ScalarSoftplus(in[i]);
      },
      /*grain=*/64);
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Softplus")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("log(exp(x) + 1), elementwise, TF's thresholds; computes TF's float32 Softplus "
                              "(tf.math.softplus) without overflow.")
                         .Input("features: T")
                         .Output("activations: T")
                         .Attr("T: {float}")
                         .Replaces("Softplus")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(OpbridgeSoftplusKernel));

}  // namespace
}  // namespace opbridge
