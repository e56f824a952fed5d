// Range: TF's [start, start + delta, ...) up to limit (tf.range) in float64,
// half and bfloat16: the converter leaves CUSTOM "Range" {Tidx} for them, which TFLite's RANGE
// lacks (measured by tools/census_float64.py). TF's kernel, step for step:
// size = ceil(|(limit - start) / delta|), value i = start + i * delta (one
// product and one sum each, measured equal to TF 2.21's; older TF accumulated
// val += delta); its checks and texts.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const char* names[] = {"start", "limit", "delta"};
  for (int i = 0; i < 3; ++i) {
    const ConstTensor& t = ctx.input(i);
    OPBRIDGE_REQUIRE(t.rank() == 0 || (t.rank() == 1 && t.dim(0) == 1), names[i], " must be a scalar, not shape ",
                     t.shape().ToString());
  }
  // half and bfloat16 (TF's kernel is a template on T): every step below in
  // T, rounded as TF's, i included (i converted to T before the product).
  return math::DispatchElement<double, Eigen::half, Eigen::bfloat16>(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // Scalars may sit at any offset of a model's constant buffers (4-byte
    // aligned in the flatbuffer): copied, never loaded as a T.
    const auto scalar = [&](int i) {
      T v;
      std::memcpy(&v, ctx.input(i).data<T>(), sizeof v);
      return v;
    };
    const T start = scalar(0), limit = scalar(1), delta = scalar(2);
    const double start_d = static_cast<double>(start), limit_d = static_cast<double>(limit);
    const double delta_d = static_cast<double>(delta);
    OPBRIDGE_REQUIRE(delta_d != 0, "Requires delta != 0: ", delta_d);
    if (delta_d > 0) {
      OPBRIDGE_REQUIRE(start_d <= limit_d, "Requires start <= limit when delta > 0: ", start_d, "/", limit_d);
    } else {
      OPBRIDGE_REQUIRE(start_d >= limit_d, "Requires start >= limit when delta < 0: ", start_d, "/", limit_d);
    }
    const double size = static_cast<double>(Eigen::numext::ceil(Eigen::numext::abs(T((limit - start) / delta))));
    OPBRIDGE_REQUIRE(size <= static_cast<double>(std::numeric_limits<int64_t>::max()),
                     "Requires ((limit - start) / delta) <= ", std::numeric_limits<int64_t>::max());
    OPBRIDGE_REQUIRE(size == size, "Requires a finite range, got start ", start_d, ", limit ", limit_d, ", delta ",
                     delta_d);
    const auto n = static_cast<int64_t>(size);
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n})));
    T* out = ctx.output(0).data<T>();
    for (int64_t i = 0; i < n; ++i) out[i] = T(start + T(static_cast<T>(i) * delta));
    return Status::Ok();
  });
}

Status RangeShape(ShapeContext& ctx) {
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Range")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("start, start + delta, ... while short of limit (tf.range).")
                         .Input("start: Tidx")
                         .Input("limit: Tidx")
                         .Input("delta: Tidx")
                         .Output("output: Tidx")
                         .Attr("Tidx: {half, bfloat16, double}")
                         .ShapeRule(RangeShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
