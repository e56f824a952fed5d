// Max: TF's maximum over the axes in `reduction_indices` (tf.reduce_max) with
// keep_dims, in float64, half and bfloat16: the converter leaves CUSTOM "Max" {T, Tidx, keep_dims}
// for those dtypes, which TFLite's builtin lacks (measured by tools/census_float64.py).
// Axes follow TF's ReductionHelper (reduction.h). NaN propagates (TF's
// MaxReducer<PropagateNaN>); no elements give -inf, TF's identity.
#include <cmath>
#include <limits>

#include "reduction.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  return math::ReduceDouble<double>(
      ctx, p, -std::numeric_limits<double>::infinity(), [](auto& acc, double x) {
        acc = (acc != acc || x != x)
                  ? (acc != acc ? acc : x)
                  : (x >= acc ? x : acc);  // equal: the later one, as TF (+0 and -0)
      },
      [](const auto& acc, int64_t count) { (void)count; return acc; }, math::ExtremumSpan<true>);
}

OPBRIDGE_REGISTER_OP(OpSpec("Max")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Maximum over the given axes with keep_dims, NaN propagating (tf.reduce_max).")
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
