// SoftplusGrad: the gradient of tf.nn.softplus (Keras "softplus"), CUSTOM
// "SoftplusGrad" {T} in a converted train step.
//
// TF's functor: gradients / (exp(-features) + 1). Eigen's packet exp and the
// C library's exp (its scalar path, for the last n % packet elements) can
// differ in the last bit, so the kernel follows TF's split (binary_grad.h).
#include <cmath>

#include "binary_grad.h"

namespace opbridge {
namespace {

template <typename T>
nn::LanePacket<T> PacketSoftplusGrad(const nn::LanePacket<T>& g, const nn::LanePacket<T>& x) {
  using namespace Eigen::internal;  // NOLINT: Eigen's packet functions
  using P = nn::LanePacket<T>;
  const P e = nn::Round<T>(pexp(pnegate(x)));
  const P d = nn::Round<T>(padd(e, pset1<P>(1)));
  return nn::Round<T>(pdiv(g, d));
}

template <typename T>
T ScalarSoftplusGrad(T g, T x) {
  return static_cast<T>(g / static_cast<T>(Eigen::numext::exp(static_cast<T>(-x)) + T(1)));
}

Status SoftplusGradKernel(KernelContext& ctx) {
  return nn::DispatchFloatTypes(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::PacketAndTail<T>(ctx, 10, PacketSoftplusGrad<T>, ScalarSoftplusGrad<T>);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("SoftplusGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of Softplus: gradients / (exp(-features) + 1).")
                         .Input("gradients: T")
                         .Input("features: T")
                         .Output("backprops: T")
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(nn::SameShapeBinaryRule)
                         .Kernel(SoftplusGradKernel));

}  // namespace
}  // namespace opbridge
