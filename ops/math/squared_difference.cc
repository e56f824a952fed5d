// SquaredDifference: TF's (x - y)^2 (tf.math.squared_difference) in float64, half, bfloat16,
// float, int32 and int64: the converter leaves CUSTOM "SquaredDifference" {T} for those
// TFLite's builtins lack (measured by tools/census_float64.py). Exact: (x - y) * (x - y)
// as TF's; integers wrap (int_arith.h). (TF's complex kernel, (x - y) * conj(x - y), is
// not built.)
#include "cwise.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  const auto fn = [](auto x, auto y) {
    const decltype(x) d = math::WrapSub(x, y);  // rounded to T, as TF
    return decltype(x)(math::WrapMul(d, d));
  };
  return math::BinaryMap<double, Eigen::half, Eigen::bfloat16, float, int32_t, int64_t>(ctx, 1, fn);
}

OPBRIDGE_REGISTER_OP(OpSpec("SquaredDifference")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("(x - y)^2 with broadcasting (tf.math.squared_difference).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, int32, int64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
