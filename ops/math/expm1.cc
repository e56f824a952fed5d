// Expm1: TF's exp(x) - 1, elementwise (tf.math.expm1), accurate near 0. The
// converter lowers float32 expm1 into EXP and SUB (which cancel: 1e-7 gives
// 1.19e-7, 1e-30 gives 0; opbridge.convert substitutes Opbridge>Expm1 there,
// see opbridge_expm1.cc) and emits the other dtypes as CUSTOM "Expm1" with
// options {T}: this is their kernel.
//
// The C library's expm1 per element, as TF's kernel evaluates on its leftover
// elements (expm1_log1p.h: within 2 ulp of TF's packet path); float32 and
// float64 with AVX2 and FMA take vectorized forms of the same accuracy; half and
// bfloat16 go through float and are rounded, complex uses Eigen's formulas, as in TF.
#include "expm1_log1p.h"

namespace opbridge {
namespace {

Status Expm1Kernel(KernelContext& ctx) {
  if (math::FloatAvx2Fma</*kExpm1=*/true>(ctx) || math::DoubleAvx2Fma</*kExpm1=*/true>(ctx)) return Status::Ok();
  return math::UnaryElementwise<float, double, Eigen::half, Eigen::bfloat16, std::complex<float>,
                                std::complex<double>>(
      ctx, 10, [](const auto& x) { return math::Expm1Of(x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Expm1")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("exp(x) - 1, elementwise, accurate near 0 (tf.math.expm1).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {bfloat16, half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Expm1Kernel));

}  // namespace
}  // namespace opbridge
