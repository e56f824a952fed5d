// DynamicStitch: TF's tf.dynamic_stitch(indices, data); semantics, checks and
// the one-list layout of its two input lists: dynamic_stitch.h.
#include "dynamic_stitch.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("DynamicStitch")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Rows of N data tensors interleaved into one by their indices (tf.dynamic_stitch).")
                         .Input("indices_and_data: Tin")  // TF's indices (N * int32), then data (N * T)
                         .Output("merged: T")
                         .Params<stitch::StitchParams>()
                         .Attr("Tin: list(type)")
                         .ShapeRule(stitch::StitchShape)
                         .Kernel(stitch::StitchKernel));

}  // namespace
}  // namespace opbridge
