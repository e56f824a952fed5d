// ParallelDynamicStitch: TF's DynamicStitch whose CPU kernel spreads the
// inputs over threads (so a repeated index may keep any of its rows). The
// same kernel as DynamicStitch here (dynamic_stitch.h): threads own ranges of
// output rows, and the last row wins, which is one of the results TF allows.
#include "dynamic_stitch.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("ParallelDynamicStitch")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Rows of N data tensors interleaved into one by their indices (DynamicStitch's "
                              "parallel form).")
                         .Input("indices_and_data: Tin")  // TF's indices (N * int32), then data (N * T)
                         .Output("merged: T")
                         .Params<stitch::StitchParams>()
                         .Attr("Tin: list(type)")
                         .ShapeRule(stitch::StitchShape)
                         .Kernel(stitch::StitchKernel));

}  // namespace
}  // namespace opbridge
