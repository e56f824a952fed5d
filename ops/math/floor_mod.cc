// FloorMod: TF's x mod y with the sign of y (tf.math.floormod, %) in float64: the converter leaves
// CUSTOM "FloorMod" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). TF's google_floor_fmod: fmod(x, y),
// plus y where that is non-zero and its sign differs from y's (exact; x % 0 is NaN).
#include <cmath>

#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 5, [](double x, double y) {
    const double m = std::fmod(x, y);
    return m != 0.0 && ((y < 0.0) != (m < 0.0)) ? m + y : m;
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FloorMod")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Floor modulo: x - floor(x / y) * y, the sign of y (tf.math.floormod).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
