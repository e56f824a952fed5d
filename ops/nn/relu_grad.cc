// ReluGrad: the gradient of tf.nn.relu, which a converted train step leaves
// as CUSTOM "ReluGrad" {T} (TFLite has no kernel for it).
//
// TF's functor multiplies: backprops = gradients * (features > 0 ? 1 : 0).
// So a NaN or infinite gradient where features <= 0 gives NaN, a negative
// one -0, and a NaN feature passes nothing (NaN > 0 is false). Every real
// number type TF's CPU kernel registers; integers multiply exactly.
#include "binary_grad.h"

namespace opbridge {
namespace {

Status ReluGradKernel(KernelContext& ctx) {
  return nn::DispatchRealNumberTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::SelectBinary<T>(
        ctx, 1,
        [](const auto& g, const auto& x) {
          using namespace Eigen::internal;  // NOLINT
          return pmul(g, nn::OneWhere(pcmp_lt(pzero(x), x)));
        },
        [](T g, T x) { return nn::Mul(g, static_cast<T>(x > T(0) ? 1 : 0)); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ReluGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Relu: gradients * (features > 0).")
                         .Input("gradients: T")
                         .Input("features: T")
                         .Output("backprops: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
                               "uint32, uint64}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(ReluGradKernel));

}  // namespace
}  // namespace opbridge
