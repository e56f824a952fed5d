// Maximum: TF's max(x, y) (tf.math.maximum) in float64: the converter leaves
// CUSTOM "Maximum" {T} for double, which TFLite's builtins lack (measured by
// tools/census_float64.py). NaN propagates (TF's scalar_max_op<PropagateNaN>).
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double>(ctx, 1,
                                  [](double x, double y) { return x != x ? x : (y != y ? y : (x < y ? y : x)); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Maximum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("max(x, y) with broadcasting, NaN propagating (tf.math.maximum).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
