// ClipByValue: TF's clip of t to [clip_value_min, clip_value_max]
// (tf.clip_by_value). The converter folds tf.clip_by_value's Minimum and
// Maximum into one tf.ClipByValue and lowers it to builtins for float32, but
// leaves CUSTOM "ClipByValue" {T} for the dtypes the builtins lack (uint8:
// tf.image.adjust_brightness and convert_image_dtype on uint8 images; measured).
//
// TF's kernel: t.cwiseMin(max).cwiseMax(min), in that order, so a min above
// the max gives the min; Eigen's scalar min/max keep their first operand when
// the comparison is false, so a NaN in t stays NaN and a NaN bound is ignored.
// The bounds are scalars or have t's shape; anything else is TF's error.
#include <type_traits>

#include "cwise.h"

namespace opbridge {
namespace {

template <typename T>
T Clip(T x, T lo, T hi) {
  const T below = hi < x ? hi : x;  // Eigen's mini(x, hi)
  return below < lo ? lo : below;   // Eigen's maxi(below, lo)
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& t = ctx.input(0);
  const ConstTensor& lo = ctx.input(1);
  const ConstTensor& hi = ctx.input(2);
  const auto fits = [&](const ConstTensor& bound) {
    return bound.num_elements() == 1 && bound.rank() == 0 ? true : bound.shape().dims() == t.shape().dims();
  };
  OPBRIDGE_REQUIRE(fits(lo) && fits(hi),
                   "clip_value_min and clip_value_max must be either of the same shape as input, or a scalar. "
                   "input shape: ",
                   t.shape().ToString(), "clip_value_min shape: ", lo.shape().ToString(),
                   "clip_value_max shape: ", hi.shape().ToString());
  OPBRIDGE_REQUIRE(lo.dtype() == t.dtype() && hi.dtype() == t.dtype(), "inputs 't', 'clip_value_min' and ",
                   "'clip_value_max' differ in dtype: ", DTypeName(t.dtype()), ", ", DTypeName(lo.dtype()), ", ",
                   DTypeName(hi.dtype()));
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t>(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = t.data<T>();
    const T* low = lo.data<T>();
    const T* high = hi.data<T>();
    T* out = ctx.output(0).data<T>();
    const int64_t step_lo = lo.rank() == 0 ? 0 : 1, step_hi = hi.rank() == 0 ? 0 : 1;
    ctx.ParallelFor(t.num_elements(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = Clip(in[i], low[i * step_lo], high[i * step_hi]);
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ClipByValue")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("t clipped to [clip_value_min, clip_value_max] (tf.clip_by_value).")
                         .Input("t: T")
                         .Input("clip_value_min: T")
                         .Input("clip_value_max: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
