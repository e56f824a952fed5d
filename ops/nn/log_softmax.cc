// LogSoftmax: TF's x - log(sum(exp(x))) along the last axis (tf.nn.log_softmax).
// In float64, half and bfloat16 the converter leaves CUSTOM "LogSoftmax" {T} (TFLite's builtin has no
// double kernel; measured by tools/census_float64.py). TF's algorithm and
// checks are in softmax_rows.h.
#include "softmax_rows.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) { return nn::SoftmaxRows(ctx, /*log=*/true); }

OPBRIDGE_REGISTER_OP(OpSpec("LogSoftmax")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x - log(sum(exp(x))) along the last axis (tf.nn.log_softmax).")
                         .Input("logits: T")
                         .Output("logsoftmax: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(nn::SoftmaxRowsShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
