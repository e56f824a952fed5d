// Atan: TF's inverse tangent, elementwise (tf.math.atan). TFLite has no
// kernel: the converter emits CUSTOM "Atan" with options {T}.
//
// Evaluates the Eigen functor TF's CPU kernel evaluates (elementwise.h); half
// and bfloat16 go through float and are rounded, as in TF (bfloat16 element by
// element with the C library's float function, as TF's Eigen has no bfloat16
// packet for it: bfloat16_libm.h).
#include <cmath>

#include "bfloat16_libm.h"
#include "elementwise.h"

namespace opbridge {
namespace {

Status AtanKernel(KernelContext& ctx) {
  if (ctx.input(0).dtype() == DType::kBFloat16) {  // TF's scalar path (bfloat16_libm.h)
    return math::BFloat16ThroughFloat(ctx, 20, [](float v) { return std::atan(v); });
  }
  return math::UnaryElementwise<float, double, Eigen::half, std::complex<float>, std::complex<double>>(
      ctx, 20, math::packet_exprs::Atan{});
}

OPBRIDGE_REGISTER_OP(OpSpec("Atan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Inverse tangent, elementwise (tf.math.atan).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(AtanKernel));

}  // namespace
}  // namespace opbridge
