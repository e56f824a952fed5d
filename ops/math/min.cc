// Min: TF's minimum over the axes in `reduction_indices` (tf.reduce_min) with
// keep_dims, in every dtype TF's CPU kernel takes. The converter leaves CUSTOM
// "Min" {T, Tidx, keep_dims} for float64, half, bfloat16, int8, int16 and the
// unsigned types, which TFLite's REDUCE_MIN lacks (measured by
// tools/census_float64.py and tests/test_parity_integer_reductions.py);
// float32, int32 and int64 are kept for models that carry them custom.
// Axes follow TF's ReductionHelper (reduction.h). NaN propagates (TF's
// MinReducer<PropagateNaN>); no elements give +inf, TF's identity (the
// highest value for integers). Exact in every dtype: integers compare as
// themselves (int64 and uint64 would not survive a double).
#include <cmath>
#include <limits>

#include "reduction.h"

namespace opbridge {
namespace {

struct IntegerMin {
  template <typename T>
  using Acc = T;
  template <typename T>
  static T Init() {
    return std::numeric_limits<T>::max();
  }
  template <typename T>
  static void Step(T& acc, T x) {
    acc = x < acc ? x : acc;
  }
  template <typename T>
  static T Finish(T acc, int64_t) {
    return acc;
  }
};

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  if (math::IsIntegerDType(ctx.input(0).dtype())) {
    return math::ReduceTyped<IntegerMin, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
        ctx, p);
  }
  return math::ReduceDouble<double>(
      ctx, p, std::numeric_limits<double>::infinity(), [](auto& acc, double x) {
        acc = (acc != acc || x != x)
                  ? (acc != acc ? acc : x)
                  : (x <= acc ? x : acc);  // equal: the later one, as TF (+0 and -0)
      },
      [](const auto& acc, int64_t count) { (void)count; return acc; }, math::ExtremumSpan<false>);
}

OPBRIDGE_REGISTER_OP(OpSpec("Min")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Minimum over the given axes with keep_dims, NaN propagating (tf.reduce_min).")
                         .Input("input: T")
                         .Input("reduction_indices: Tidx")
                         .Output("output: T")
                         .Params<math::ReductionParams>()
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(math::ReductionShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
