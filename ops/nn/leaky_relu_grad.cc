// LeakyReluGrad: the gradient of tf.nn.leaky_relu (Keras "leaky_relu"),
// which a converted train step leaves as CUSTOM "LeakyReluGrad" {T, alpha}.
//
// TF's kernel rounds the float attr alpha to T once and selects:
// features > 0 ? gradients : gradients * alpha (a NaN feature takes the
// second branch).
#include "binary_grad.h"

namespace opbridge {
namespace {

struct LeakyReluParams {
  double alpha = 0.2;

  static void Declare(ParamBinder& b, LeakyReluParams& p) { b.Attr("alpha: float = 0.2", &p.alpha); }
};

Status LeakyReluGradKernel(KernelContext& ctx, const LeakyReluParams& p) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // The attr is a float in TF (the flexbuffer option a double holding it).
    const T alpha = static_cast<T>(static_cast<float>(p.alpha));
    return nn::SelectBinary<T>(
        ctx, 1,
        [alpha](const auto& g, const auto& x) {
          using P = std::decay_t<decltype(g)>;
          using namespace Eigen::internal;  // NOLINT
          return pselect(pcmp_lt(pzero(x), x), g, pmul(g, pset1<P>(alpha)));
        },
        [alpha](T g, T x) { return x > T(0) ? g : static_cast<T>(g * alpha); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("LeakyReluGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of LeakyRelu: features > 0 ? gradients : gradients * alpha.")
                         .Input("gradients: T")
                         .Input("features: T")
                         .Output("backprops: T")
                         .Params<LeakyReluParams>()
                         .Attr("T: {half, bfloat16, float, double} = DT_FLOAT")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(LeakyReluGradKernel));

}  // namespace
}  // namespace opbridge
