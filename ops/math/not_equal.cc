// NotEqual: TF's x != y (tf.math.not_equal) in float64 and complex: the converter leaves CUSTOM "NotEqual"
// {T, incompatible_shape_error} for double, complex64 and complex128 (TFLite lacks them)
// (measured by tools/census_float64.py). Bool output; NaN != NaN. With
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
  return math::BinaryMap<double, std::complex<float>, std::complex<double>>(
      ctx, 1, [](const auto& x, const auto& y) { return x != y; });
}

OPBRIDGE_REGISTER_OP(OpSpec("NotEqual")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x != y with broadcasting (tf.math.not_equal).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: bool")
                         .Attr("T: {double, complex64, complex128}")
                         .Params<CompareParams>()
                         .ShapeRule(ShapeNotEqual)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
