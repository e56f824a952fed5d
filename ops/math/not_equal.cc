// NotEqual: TF's x != y (tf.math.not_equal) for the dtypes the converter leaves
// CUSTOM "NotEqual" {T, incompatible_shape_error}: double, complex64 and complex128
// (tools/census_float64.py), and half, bfloat16, int8, int16, uint16, uint32,
// uint64 (measured for issue 15; TF's CPU kernel takes every number type), and
// float32, bool and uint8 for models that carry them as custom or Flex nodes
// (opbridge.convert switches the builtin's non-quantized uint8 nodes here:
// the builtin reads uint8 as quantized and aborts without a scale).
// Bool output; NaN != NaN. With
// incompatible_shape_error = false, shapes that do not broadcast give TF's
// scalar answer (true) instead of the error.
#include <complex>

#include "cwise.h"

namespace opbridge {
namespace {

struct CompareParams {
  bool incompatible_shape_error = true;

  static void Declare(ParamBinder& b, CompareParams& p) {
    b.Attr("incompatible_shape_error: bool = true", &p.incompatible_shape_error);
  }
};

Status ShapeNotEqual(ShapeContext& ctx, const CompareParams& p) {
  Shape out;
  const Status broadcast = math::BroadcastShape(ctx.input(0), ctx.input(1), &out);
  if (!broadcast.ok()) {
    if (p.incompatible_shape_error) return broadcast;
    out = Shape({});
  }
  ctx.set_output(0, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const CompareParams& p) {
  Shape out;
  if (!p.incompatible_shape_error && !math::BroadcastShape(ctx.input(0).shape(), ctx.input(1).shape(), &out).ok()) {
    ctx.output(0).data<bool>()[0] = true;
    return Status::Ok();
  }
  return math::BinaryMap<double, std::complex<float>, std::complex<double>, Eigen::half, Eigen::bfloat16, float, bool,
                         int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      ctx, 1, [](const auto& x, const auto& y) { return x != y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("NotEqual")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x != y with broadcasting (tf.math.not_equal).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: bool")
                         .Attr("T: {double, complex64, complex128, half, bfloat16, float, bool, int8, int16, int32, int64, "
                               "uint8, uint16, uint32, uint64}")
                         .Params<CompareParams>()
                         .ShapeRule(ShapeNotEqual)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
