// SoftsignGrad: the gradient of tf.nn.softsign (Keras "softsign"), CUSTOM
// "SoftsignGrad" {T} in a converted train step.
//
// gradients / (|features| + 1)^2 as TF's functor: the square is a product,
// each step rounded to T. Its packet and scalar paths agree.
#include <cmath>

#include "binary_grad.h"

namespace opbridge {
namespace {

Status SoftsignGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::Binary<T>(ctx, 3, [](T g, T x) {
      const T d = static_cast<T>(Eigen::numext::abs(x) + T(1));
      return static_cast<T>(g / static_cast<T>(d * d));
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SoftsignGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Softsign: gradients / (|features| + 1)^2.")
                         .Input("gradients: T")
                         .Input("features: T")
                         .Output("backprops: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(SoftsignGradKernel));

}  // namespace
}  // namespace opbridge
