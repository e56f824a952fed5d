// UpperBound: tf.searchsorted(sorted_sequence, values, side='right'): per
// row, the index of the first element > each value. TFLite has no kernel:
// the converter emits CUSTOM "UpperBound" with options {T, out_type}.
// See search_sorted.h.
#include "search_sorted.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("UpperBound")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Per row b, the index of the first element of sorted_inputs[b] that is > "
                              "values[b, j] (tf.searchsorted, side='right').")
                         .Input("sorted_inputs: T")
                         .Input("values: T")
                         .Output("output: out_type")
                         .Attr(search_sorted::kTypes)
                         .Attr("out_type: {int32, int64} = DT_INT32")
                         .ShapeRule(search_sorted::Shape2D)
                         .Kernel(search_sorted::SearchKernel</*kUpper=*/true>));

}  // namespace
}  // namespace opbridge
