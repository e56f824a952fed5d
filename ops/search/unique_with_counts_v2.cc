// UniqueWithCountsV2: TF's unique along an axis with counts
// (tf.raw_ops.UniqueWithCountsV2; axis [] is tf.unique_with_counts of a
// vector): y the unique slices in order of first occurrence, idx each slice's
// index among them, count how often each occurs. The converter leaves CUSTOM
// "UniqueWithCountsV2" {T, Taxis, out_idx}. TF's equality and checks:
// ../array/unique_axis.h, shared with UniqueV2.
#include "../array/unique_axis.h"

namespace opbridge {
namespace {

Status UniqueWithCountsV2Shape(ShapeContext& ctx) { return unique::AxisShape(ctx, true); }

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UniqueWithCountsV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The unique slices of x along an axis, in order of first occurrence, each slice's "
                              "index among them, and their counts.")
                         .Input("x: T")
                         .Input("axis: Taxis")
                         .Output("y: T")
                         .Output("idx: out_idx")
                         .Output("count: out_idx")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, string}")
                         .Attr("Taxis: {int32, int64} = DT_INT64")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(UniqueWithCountsV2Shape)
                         .Kernel(unique::AxisKernel<true>));

}  // namespace opbridge
