// Maximum: TF's max(x, y) (tf.math.maximum) in every real dtype TF's CPU kernel takes: the
// converter leaves CUSTOM "Maximum" {T} for those TFLite's builtins lack (float64,
// half, bfloat16, and most 8-, 16-bit and unsigned ints; measured).
// NaN propagates (TF's scalar_max_op<PropagateNaN>).
#include <type_traits>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMapRealNumber(
      ctx, 1, [](auto x, auto y) {
        if constexpr (std::is_integral_v<decltype(x)>) {
          return x < y ? y : x;
        } else {
          return x != x ? x : (y != y ? y : (x < y ? y : x));
        }
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("Maximum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("max(x, y) with broadcasting, NaN propagating (tf.math.maximum).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr(math::kRealNumberTypes)
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
