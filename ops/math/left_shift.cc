// LeftShift: TF's elementwise x << y with broadcasting (tf.bitwise.left_shift).
// TFLite has no builtin for it: the converter emits CUSTOM "LeftShift" {T}
// for every integer dtype.
//
// As TF: the shift amount is clamped into [0, bits - 1] (a negative shift
// leaves x, a shift of the width or more shifts by width - 1), and the shift
// is done unsigned, so signed results wrap (bitwise.h).
#include "shifts.h"

namespace opbridge {
namespace {

Status LeftShiftKernel(KernelContext& ctx) {
  return math::BitwiseShift<true>(ctx);
}

OPBRIDGE_REGISTER_OP(OpSpec("LeftShift")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Elementwise x << y of integers, with broadcasting; shifts clamped to "
                              "[0, bits - 1] as in TF (tf.bitwise.left_shift).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(LeftShiftKernel));

}  // namespace
}  // namespace opbridge
