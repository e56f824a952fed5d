// SeluGrad: the gradient of tf.nn.selu (Keras "selu"), which a converted
// train step leaves as CUSTOM "SeluGrad" {T}.
//
// It takes Selu's outputs: outputs < 0 ? gradients * (outputs + scale *
// alpha) : gradients * scale, with TF's constants rounded to T (through
// float for half and bfloat16, as Eigen's constructors do).
#include "binary_grad.h"

namespace opbridge {
namespace {

// TF's literals (relu_op_functor.h): scale and scale * alpha of Klambauer et al.
constexpr double kScale = 1.0507009873554804934193349852946;
constexpr double kScaleAlpha = 1.7580993408473768599402175208123;

Status SeluGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T scale = static_cast<T>(kScale), scale_alpha = static_cast<T>(kScaleAlpha);
    return nn::SelectBinary<T>(
        ctx, 2,
        [=](const auto& g, const auto& y) {
          using P = std::decay_t<decltype(g)>;
          using namespace Eigen::internal;  // NOLINT
          return pselect(pcmp_lt(y, pzero(y)), pmul(g, padd(y, pset1<P>(scale_alpha))), pmul(g, pset1<P>(scale)));
        },
        [=](T g, T y) {
          return y < T(0) ? static_cast<T>(g * static_cast<T>(y + scale_alpha)) : static_cast<T>(g * scale);
        });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SeluGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Selu from its outputs: outputs < 0 ? gradients * (outputs + "
                              "scale * alpha) : gradients * scale.")
                         .Input("gradients: T")
                         .Input("outputs: T")
                         .Output("backprops: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(SeluGradKernel));

}  // namespace
}  // namespace opbridge
