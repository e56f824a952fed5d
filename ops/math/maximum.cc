// Maximum: TF's max(x, y) (tf.math.maximum) in float64, half and bfloat16: the converter leaves
// CUSTOM "Maximum" {T} for those dtypes, which TFLite's builtins lack (measured by
// tools/census_float64.py). NaN propagates (TF's scalar_max_op<PropagateNaN>).
#include "cwise.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16>(ctx, 1,
                                  [](auto x, auto y) { return x != x ? x : (y != y ? y : (x < y ? y : x)); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Maximum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("max(x, y) with broadcasting, NaN propagating (tf.math.maximum).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
