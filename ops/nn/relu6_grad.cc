// Relu6Grad: the gradient of tf.nn.relu6 (Keras "relu6"), which a converted
// train step leaves as CUSTOM "Relu6Grad" {T}.
//
// TF's functor multiplies: backprops = gradients * (0 < features < 6 ? 1 : 0),
// so both boundaries pass nothing, a NaN feature passes nothing, and a NaN or
// infinite gradient outside (0, 6) gives NaN.
#include "binary_grad.h"

namespace opbridge {
namespace {

Status Relu6GradKernel(KernelContext& ctx) {
  return nn::DispatchRealNumberTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::SelectBinary<T>(
        ctx, 1,
        [](const auto& g, const auto& x) {
          using P = std::decay_t<decltype(g)>;
          using namespace Eigen::internal;  // NOLINT
          return pmul(g, nn::OneWhere(pand(pcmp_lt(pzero(x), x), pcmp_lt(x, pset1<P>(6)))));
        },
        [](T g, T x) { return nn::Mul(g, static_cast<T>(x > T(0) && x < T(6) ? 1 : 0)); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Relu6Grad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Relu6: gradients * (0 < features < 6).")
                         .Input("gradients: T")
                         .Input("features: T")
                         .Output("backprops: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
                               "uint32, uint64}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(Relu6GradKernel));

}  // namespace
}  // namespace opbridge
