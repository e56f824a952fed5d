// RightShift: TF's elementwise x >> y with broadcasting (tf.bitwise.right_shift).
// TFLite's builtin RIGHT_SHIFT takes int8..int32 and uint8..uint32; the
// converter emits CUSTOM "RightShift" {T} for int64 and uint64. The kernel
// takes every integer dtype (a model may carry any of them as a custom op).
//
// As TF: the shift amount is clamped into [0, bits - 1] (a negative shift
// leaves x, a shift of the width or more shifts by width - 1), and signed
// values shift arithmetically (bitwise.h).
#include "shifts.h"

namespace opbridge {
namespace {

Status RightShiftKernel(KernelContext& ctx) {
  return math::BitwiseShift<false>(ctx);
}

OPBRIDGE_REGISTER_OP(OpSpec("RightShift")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise x >> y of integers (arithmetic for signed), with broadcasting; "
                              "shifts clamped to [0, bits - 1] as in TF (tf.bitwise.right_shift).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(RightShiftKernel));

}  // namespace
}  // namespace opbridge
