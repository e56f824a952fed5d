// Atan2: TF's atan2(y, x), elementwise with broadcasting (tf.math.atan2), in
// half and bfloat16: the converter keeps these as CUSTOM "Atan2" {T} (measured
// by tools/census_float64.py --dtype float16). float64's Atan2 it cannot
// convert at all; opbridge.convert substitutes Opbridge>Atan2 for it
// (opbridge_atan2.cc), which takes only double, so the two never meet.
//
// TF evaluates Eigen's atan2 in float and rounds to T: so does this, with the
// C library's atan2f (TF's vectorized float atan2 can round to the
// neighbouring half: within one unit in the last place).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<Eigen::half, Eigen::bfloat16>(ctx, 20, [](auto y, auto x) {
    return decltype(y)(std::atan2(static_cast<float>(y), static_cast<float>(x)));
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Atan2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("atan2(y, x), elementwise with broadcasting (tf.math.atan2), in half precision.")
                         .Input("y: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
