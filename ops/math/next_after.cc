// NextAfter: TF's tf.math.nextafter(x1, x2), the next representable value
// after x1 in the direction of x2, with TF's broadcasting. TF registers CPU
// kernels for float and double and has no TFLite builtin: the converter
// leaves CUSTOM "NextAfter" {T}.
//
// TF's functor calls std::nextafter, so this does too (the same C library
// routine, bit manipulation rather than arithmetic): x1 == x2 gives x2 (so
// nextafter(-0, +0) is +0), a NaN operand gives a NaN, ±0 steps to the
// smallest subnormal of x2's side, the largest finite value steps to inf and
// inf towards a finite x2 steps back to the largest finite value. Subnormal
// results are kept as TF keeps them: the kernel makes them with integer steps,
// not with arithmetic that the flush-to-zero mode would touch.
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<float, double>(ctx, 5, [](auto x1, auto x2) { return std::nextafter(x1, x2); });
}

OPBRIDGE_REGISTER_OP(OpSpec("NextAfter")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The next representable value after x1 towards x2, with broadcasting "
                              "(tf.math.nextafter).")
                         .Input("x1: T")
                         .Input("x2: T")
                         .Output("output: T")
                         .Attr("T: {double, float} = DT_FLOAT")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
