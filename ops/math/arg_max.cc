// ArgMax: TF's index of the largest value along `dimension` (tf.math.argmax) in
// every dtype TF's CPU kernel takes: the converter leaves CUSTOM "ArgMax" {T,
// Tidx, output_type} for float64, half, bfloat16, int16, int64, uint16, uint32
// and uint64, which TFLite's builtin lacks (measured by tools/census_float64.py
// and tests/test_parity_integer_reductions.py); float32, int8, int32, uint8 and
// bool are kept for models that carry them custom. Ties give the first index;
// checks and output types in arg_reduction.h.
#include "arg_reduction.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx, const math::ArgParams& p) {
  return math::ArgReduce(ctx, p, [](auto candidate, auto best) { return candidate > best; });
}

OPBRIDGE_REGISTER_OP(OpSpec("ArgMax")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Index of the largest value along a dim, the first on ties (tf.math.argmax).")
                         .Input("input: T")
                         .Input("dimension: Tidx")
                         .Output("output: output_type")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool}")
                         .Attr("Tidx: {int16, int32, int64} = DT_INT32")
                         .Params<math::ArgParams>()
                         .ShapeRule(math::ArgShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
