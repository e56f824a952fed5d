// Mean: TF's mean over the axes in `reduction_indices` (tf.reduce_mean) with
// keep_dims, in float64, half and bfloat16: the converter leaves CUSTOM "Mean" {T, Tidx, keep_dims}
// for those dtypes, which TFLite's builtin lacks (measured by tools/census_float64.py).
// Axes follow TF's ReductionHelper (reduction.h). The sum is compensated
// (reduction.h's CompensatedSum: for accuracy, TF's bits are not the aim) and
// divided by the count once, as TF's MeanReducer divides its sum; TF's
// packet-tree sum may differ in the last bits (the tests allow 1e-14
// relative). Contiguous runs (the innermost axes) are summed in compensated
// lanes, which keeps the accuracy at a plain sum's speed. No elements give
// 0 / 0 = NaN, as TF.
#include <cmath>
#include <limits>

#include "reduction.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  return math::ReduceDouble<math::CompensatedSum>(
      ctx, p, math::CompensatedSum{}, [](auto& acc, double x) { acc.Add(x); },
      [](const auto& acc, int64_t count) { return acc.Result() / static_cast<double>(count); },
      [](auto& acc, const double* first, int64_t count) { acc.AddSpan(first, count); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Mean")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Mean over the given axes with keep_dims (tf.reduce_mean).")
                         .Input("input: T")
                         .Input("reduction_indices: Tidx")
                         .Output("output: T")
                         .Params<math::ReductionParams>()
                         .Attr("T: {half, bfloat16, double}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(math::ReductionShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
