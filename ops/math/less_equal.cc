// LessEqual: TF's x <= y (tf.math.less_equal) in every real dtype TF's CPU kernel takes: the
// converter leaves CUSTOM "LessEqual" {T} for those TFLite's builtins lack (float64,
// half, bfloat16, and most 8-, 16-bit and unsigned ints; measured). Bool output; NaN compares false.
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16, float, int8_t, int16_t, int32_t, int64_t, uint8_t,
                         uint16_t, uint32_t, uint64_t>(
      ctx, 1, [](auto x, auto y) { return x <= y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("LessEqual")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x <= y with broadcasting (tf.math.less_equal).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: bool")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
