// BitwiseOr: TF's elementwise bitwise OR with broadcasting
// (tf.bitwise.bitwise_or, x | y). TFLite has no builtin for it: the converter
// emits CUSTOM "BitwiseOr" {T} for every integer dtype.
#include "bitwise.h"

namespace opbridge {
namespace {

Status BitwiseOrKernel(KernelContext& ctx) {
  return math::BitwiseBinary(ctx, [](auto x, auto y) { return static_cast<decltype(x)>(x | y); });
}

OPBRIDGE_REGISTER_OP(OpSpec("BitwiseOr")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise bitwise OR of integers, with broadcasting "
                              "(tf.bitwise.bitwise_or).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(BitwiseOrKernel));

}  // namespace
}  // namespace opbridge
