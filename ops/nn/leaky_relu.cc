// LeakyRelu: TF's x > 0 ? x : alpha * x (tf.nn.leaky_relu) in float64, half and bfloat16: the
// converter leaves CUSTOM "LeakyRelu" {T, alpha} for those dtypes, which TFLite's
// builtin LEAKY_RELU lacks (measured by tools/census_float64.py). TF's
// functor is a select, not a max, since alpha may exceed 1 or be negative;
// alpha is a float attr, so it is rounded to float first, as TF's kernel
// reads it (static_cast<T>(float alpha)).
#include "../math/cwise.h"

namespace opbridge {
namespace {

struct LeakyReluParams {
  double alpha = 0.2;

  static void Declare(ParamBinder& b, LeakyReluParams& p) { b.Attr("alpha: float = 0.2", &p.alpha); }
};

Status Kernel(KernelContext& ctx, const LeakyReluParams& p) {
  // TF casts the float attr to T, and the product rounds to T.
  const float alpha = static_cast<float>(p.alpha);
  // Both sides computed and picked by mask: a branch on the sign of real
  // activations mispredicts about half the time (2.4x TF's time, measured).
  // half and bfloat16: T(alpha) * x is one step (computed in float,
  // rounded to T), so the values go through float blocks (UnaryOneStep) with
  // alpha rounded to T first, as TF's T(alpha).
  switch (ctx.input(0).dtype()) {
    case DType::kFloat16: {
      const float a = static_cast<float>(Eigen::half(alpha));
      return math::UnaryOneStep<Eigen::half>(ctx, 1, [a](float x) { return math::Pick(x > 0.0f, x, x * a); });
    }
    case DType::kBFloat16: {
      const float a = static_cast<float>(Eigen::bfloat16(alpha));
      return math::UnaryOneStep<Eigen::bfloat16>(ctx, 1, [a](float x) { return math::Pick(x > 0.0f, x, x * a); });
    }
    default:
      return math::UnaryMap<double>(ctx, 1, [alpha](double x) { return math::Pick(x > 0.0, x, x * double(alpha)); });
  }
}

OPBRIDGE_REGISTER_OP(OpSpec("LeakyRelu")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x > 0 ? x : alpha * x, elementwise (tf.nn.leaky_relu).")
                         .Input("features: T")
                         .Output("activations: T")
                         .Params<LeakyReluParams>()
                         .Attr("T: {half, bfloat16, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
