// Opbridge>Softplus: TF's Softplus (same input, output and attrs) for float32,
// the dtype the converter lowers into LOG(ADD(EXP(x), 1)): that overflows to
// inf from x = 89 on (TF: x) and cancels to 0 below x = -17 (TF: exp(x)), so
// tf.math.softplus, Keras' softplus and tf.math.log_sigmoid (-softplus(-x))
// come out inf or 0 there (tensorflow issues 60892, 120300). opbridge.convert
// substitutes this op for TF's float32 Softplus (Replaces); other dtypes stay
// TF's Softplus (softplus.cc), which the converter emits as a custom op.
#include "../math/elementwise.h"

namespace opbridge {
namespace {

// TF's functor term for term (math::packet_exprs::Softplus): on packets of 8
// floats as TF's AVX build (the AVX2 entry of packet_exprs_avx2.cc), and the
// last n % 8 with the C library's expf and log1pf, as TF's scalar tail
// (elementwise_range.h).
Status OpbridgeSoftplusKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float>(ctx, 10, math::packet_exprs::Softplus{});
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
