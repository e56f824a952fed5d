// BitwiseAnd: TF's elementwise bitwise AND with broadcasting
// (tf.bitwise.bitwise_and, x & y). TFLite has no builtin for it: the
// converter emits CUSTOM "BitwiseAnd" {T} for every integer dtype.
// keras.ops.argmax on floats (Keras's TF backend) tests the sign bit of
// zeros with a bitcast and a BitwiseAnd.
#include "bitwise.h"

namespace opbridge {
namespace {

Status BitwiseAndKernel(KernelContext& ctx) {
  return math::BitwiseBinary(ctx, [](auto x, auto y) { return static_cast<decltype(x)>(x & y); });
}

OPBRIDGE_REGISTER_OP(OpSpec("BitwiseAnd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise bitwise AND of integers, with broadcasting "
                              "(tf.bitwise.bitwise_and).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(BitwiseAndKernel));

}  // namespace
}  // namespace opbridge
