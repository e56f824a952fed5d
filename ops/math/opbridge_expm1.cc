// Opbridge>Expm1: TF's Expm1 (same input, output and attrs) for float32, the
// dtype the converter lowers into EXP and SUB, which cancel near 0 (expm1(1e-7)
// comes out 19% high, expm1(1e-30) as 0). opbridge.convert substitutes this op
// for TF's float32 Expm1 (Replaces) so the model keeps TF's accuracy; other
// dtypes stay TF's Expm1, which the converter already emits as a custom op.
#include "expm1_log1p.h"

namespace opbridge {
namespace {

Status OpbridgeExpm1Kernel(KernelContext& ctx) {
  if (math::FloatAvx2Fma</*kExpm1=*/true>(ctx)) return Status::Ok();
  return math::UnaryElementwise<float>(ctx, 10,
                                       [](const auto& x) { return math::Expm1Of(x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Expm1")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("exp(x) - 1, elementwise; computes TF's float32 Expm1 (tf.math.expm1) accurately.")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float}")
                         .Replaces("Expm1")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(OpbridgeExpm1Kernel));

}  // namespace
}  // namespace opbridge
