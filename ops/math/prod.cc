// Prod: TF's product over the axes in `reduction_indices` (tf.reduce_prod) with
// keep_dims, in float64, half and bfloat16: the converter leaves CUSTOM "Prod" {T, Tidx, keep_dims}
// for those dtypes, which TFLite's builtin lacks (measured by tools/census_float64.py).
// Axes follow TF's ReductionHelper (reduction.h). Multiplied in row-major order,
// a contiguous run (the reduced dims innermost) in eight lanes and a fixed
// tree (reduction.h ProductSpan); TF multiplies packets in another tree, so
// the two may differ in the last bits (the tests allow 1e-14 relative); no
// elements give 1.
#include <cmath>
#include <limits>

#include "reduction.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  return math::ReduceDouble<double>(
      ctx, p, 1.0, [](auto& acc, double x) { acc *= x; },
      [](const auto& acc, int64_t count) { (void)count; return acc; }, math::ProductSpan);
}

OPBRIDGE_REGISTER_OP(OpSpec("Prod")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Product over the given axes with keep_dims (tf.reduce_prod).")
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
