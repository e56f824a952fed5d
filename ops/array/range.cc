// Range: TF's [start, start + delta, ...) up to limit (tf.range) in float64:
// the converter leaves CUSTOM "Range" {Tidx} for double, which TFLite's RANGE
// lacks (measured by tools/census_float64.py). TF's kernel, step for step:
// size = ceil(|(limit - start) / delta|), value i = start + i * delta (one
// product and one sum each, measured equal to TF 2.21's; older TF accumulated
// val += delta); its checks and texts.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

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
  // Scalars may sit at any offset of a model's constant buffers (4-byte
  // aligned in the flatbuffer): copied, never loaded as a double.
  const auto scalar = [&](int i) {
    double v;
    std::memcpy(&v, ctx.input(i).data<double>(), sizeof v);
    return v;
  };
  const double start = scalar(0), limit = scalar(1), delta = scalar(2);
  OPBRIDGE_REQUIRE(delta != 0, "Requires delta != 0: ", delta);
  if (delta > 0) {
    OPBRIDGE_REQUIRE(start <= limit, "Requires start <= limit when delta > 0: ", start, "/", limit);
  } else {
    OPBRIDGE_REQUIRE(start >= limit, "Requires start >= limit when delta < 0: ", start, "/", limit);
  }
  const double size = std::ceil(std::abs((limit - start) / delta));
  OPBRIDGE_REQUIRE(size <= static_cast<double>(std::numeric_limits<int64_t>::max()),
                   "Requires ((limit - start) / delta) <= ", std::numeric_limits<int64_t>::max());
  OPBRIDGE_REQUIRE(size == size, "Requires a finite range, got start ", start, ", limit ", limit, ", delta ", delta);
  const auto n = static_cast<int64_t>(size);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n})));
  double* out = ctx.output(0).data<double>();
  for (int64_t i = 0; i < n; ++i) out[i] = start + static_cast<double>(i) * delta;
  return Status::Ok();
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
                         .Attr("Tidx: {double}")
                         .ShapeRule(RangeShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
