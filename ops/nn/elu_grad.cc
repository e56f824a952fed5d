// EluGrad: the gradient of tf.nn.elu (Keras "elu"), which a converted train
// step leaves as CUSTOM "EluGrad" {T}.
//
// It takes Elu's outputs, not its inputs: outputs < 0 ? (outputs + 1) *
// gradients : gradients, as TF's functor (a NaN output passes the gradient).
#include "binary_grad.h"

namespace opbridge {
namespace {

Status EluGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::SelectBinary<T>(
        ctx, 2,
        [](const auto& g, const auto& y) {
          using P = std::decay_t<decltype(g)>;
          using namespace Eigen::internal;  // NOLINT
          return pselect(pcmp_lt(y, pzero(y)), pmul(padd(y, pset1<P>(1)), g), g);
        },
        [](T g, T y) { return y < T(0) ? static_cast<T>((y + T(1)) * g) : g; });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("EluGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Elu from its outputs: outputs < 0 ? (outputs + 1) * gradients : gradients.")
                         .Input("gradients: T")
                         .Input("outputs: T")
                         .Output("backprops: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(EluGradKernel));

}  // namespace
}  // namespace opbridge
