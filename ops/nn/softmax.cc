// Softmax: TF's exp(x) / sum(exp(x)) along the last axis (tf.nn.softmax).
// In float64, half and bfloat16 the converter leaves CUSTOM "Softmax" {T} (TFLite's builtin has no
// double kernel; measured by tools/census_float64.py). TF's algorithm and
// checks are in softmax_rows.h.
#include "softmax_rows.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) { return nn::SoftmaxRows(ctx, /*log=*/false); }

OPBRIDGE_REGISTER_OP(OpSpec("Softmax")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("exp(x) / sum(exp(x)) along the last axis (tf.nn.softmax).")
                         .Input("logits: T")
                         .Output("softmax: T")
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(nn::SoftmaxRowsShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
