// Opbridge>Log1p: TF's Log1p (same input, output and attrs) for float32, the
// dtype the converter lowers into ADD and LOG, which cancel near 0 (log1p(1e-7)
// comes out 19% high, log1p(1e-30) as 0). opbridge.convert substitutes this op
// for TF's float32 Log1p (Replaces) so the model keeps TF's accuracy; other
// dtypes stay TF's Log1p, which the converter already emits as a custom op.
#include "expm1_log1p.h"

namespace opbridge {
namespace {

Status OpbridgeLog1pKernel(KernelContext& ctx) {
  if (math::FloatAvx2Fma</*kExpm1=*/false>(ctx)) return Status::Ok();
  return math::UnaryElementwise<float>(ctx, 10,
                                       [](const auto& x) { return math::Log1pOf(x); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Log1p")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("log(1 + x), elementwise; computes TF's float32 Log1p (tf.math.log1p) accurately.")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float}")
                         .Replaces("Log1p")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(OpbridgeLog1pKernel));

}  // namespace
}  // namespace opbridge
