// LessEqual: TF's x <= y (tf.math.less_equal) in every real dtype TF's CPU kernel takes: the
// converter leaves CUSTOM "LessEqual" {T} for those TFLite's builtins lack (float64,
// half, bfloat16, and most 8-, 16-bit and unsigned ints; measured). Bool output; NaN compares false.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMapRealNumber(ctx, 1, [](auto x, auto y) { return x <= y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("LessEqual")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x <= y with broadcasting (tf.math.less_equal).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: bool")
                         .Attr(math::kRealNumberTypes)
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
