// MaxPool3D: TF's tf.nn.max_pool3d. TFLite has no 3-D pooling, so the
// converter emits CUSTOM "MaxPool3D" with options {T, ksize, strides,
// padding, data_format} (3-D CNNs on video and volumes).
//
//   input [N, D, H, W, C] -> output [N, OD, OH, OW, C]: each window's maximum.
//
// As TF's CPU kernel (Eigen's CuboidMaxPooling, pool_3d.h): the maximum
// starts at -highest (float32: -FLT_MAX) and a tap replaces it only when
// strictly larger, so a window of -inf gives -FLT_MAX and a NaN never wins.
// TF's CPU kernels exist for float and bfloat16 only (half is GPU only).
#include <Eigen/Core>

#include "opbridge/op.h"
#include "pool_3d.h"

namespace opbridge {
namespace {

template <typename T>
struct MaxReduce {
  using Acc = T;
  void Start(T& acc) const { acc = nn::PoolPadValue<T>(); }
  void Add(T& acc, T tap) const {
    if (acc < tap) acc = tap;
  }
  T Finish(T acc) const { return acc; }
};

Status MaxPool3DKernel(KernelContext& ctx, const nn::Pool3DParams& p) {
  return nn::DispatchPool3DTypes(ctx.input(0).dtype(), "MaxPool3D", [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::RunPool3D<T>(ctx, p, MaxReduce<T>{});
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("MaxPool3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("3-D max pooling over NDHWC windows, SAME or VALID padding (tf.nn.max_pool3d).")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<nn::Pool3DParams>()
                         .Attr("T: {half, bfloat16, float}")
                         .ShapeRule(nn::Pool3DShape)
                         .Kernel(MaxPool3DKernel));

}  // namespace
}  // namespace opbridge
