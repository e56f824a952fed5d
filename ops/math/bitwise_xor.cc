// BitwiseXor: TF's elementwise bitwise XOR with broadcasting
// (tf.bitwise.bitwise_xor, x ^ y). TFLite's builtin BITWISE_XOR takes int8..int32
// and uint8..uint32; the converter emits CUSTOM "BitwiseXor" {T} for int64 and
// uint64. The kernel takes every integer dtype (a model may carry any of them
// as a custom op).
#include "bitwise.h"

namespace opbridge {
namespace {

Status BitwiseXorKernel(KernelContext& ctx) {
  return math::BitwiseBinary(ctx, [](auto x, auto y) { return static_cast<decltype(x)>(x ^ y); });
}

OPBRIDGE_REGISTER_OP(OpSpec("BitwiseXor")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise bitwise XOR of integers, with broadcasting "
                              "(tf.bitwise.bitwise_xor).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(BitwiseXorKernel));

}  // namespace
}  // namespace opbridge
