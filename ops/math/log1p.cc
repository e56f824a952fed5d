// Log1p: TF's log(1 + x), elementwise (tf.math.log1p), accurate near 0. The
// converter lowers float32 log1p into ADD and LOG (which cancel: 1e-7 gives
// 1.19e-7, 1e-30 gives 0; opbridge.convert substitutes Opbridge>Log1p there,
// see opbridge_log1p.cc) and emits the other dtypes as CUSTOM "Log1p" with
// options {T}: this is their kernel.
//
// The C library's log1p per element, as TF's kernel evaluates on its leftover
// elements (expm1_log1p.h: within 2 ulp of TF's packet path); float32 and
// float64 with AVX2 and FMA take vectorized forms of the same accuracy; half and
// bfloat16 go through float and are rounded, complex uses Eigen's formulas, as in TF.
#include "expm1_log1p.h"

namespace opbridge {
namespace {

Status Log1pKernel(KernelContext& ctx) {
  if (math::FloatAvx2Fma</*kExpm1=*/false>(ctx) || math::DoubleAvx2Fma</*kExpm1=*/false>(ctx)) return Status::Ok();
  return math::UnaryElementwise<float, double, Eigen::half, Eigen::bfloat16, std::complex<float>,
                                std::complex<double>>(
      ctx, 10, [](const auto& x) { return math::Log1pOf(x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Log1p")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("log(1 + x), elementwise, accurate near 0 (tf.math.log1p).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {bfloat16, half, float, double, complex64, complex128}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Log1pKernel));

}  // namespace
}  // namespace opbridge
