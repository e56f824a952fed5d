// UniqueV2: TF's unique along an axis (tf.raw_ops.UniqueV2; axis [] is
// tf.unique of a vector, [a] the unique slices along dim a): y the unique
// slices in order of first occurrence, idx each slice's index among them. The
// converter leaves CUSTOM "UniqueV2" {T, Taxis, out_idx}. TF's equality and
// checks: unique_axis.h, shared with UniqueWithCountsV2.
#include "unique_axis.h"

namespace opbridge {
namespace {

Status UniqueV2Shape(ShapeContext& ctx) { return unique::AxisShape(ctx, false); }

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UniqueV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The unique slices of x along an axis, in order of first occurrence, and each "
                              "slice's index among them.")
                         .Input("x: T")
                         .Input("axis: Taxis")
                         .Output("y: T")
                         .Output("idx: out_idx")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, string}")
                         .Attr("Taxis: {int32, int64} = DT_INT64")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(UniqueV2Shape)
                         .Kernel(unique::AxisKernel<false>));

}  // namespace opbridge
