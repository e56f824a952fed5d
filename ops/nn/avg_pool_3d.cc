// AvgPool3D: TF's tf.nn.avg_pool3d. TFLite has no 3-D pooling, so the
// converter emits CUSTOM "AvgPool3D" with options {T, ksize, strides,
// padding, data_format}.
//
//   input [N, D, H, W, C] -> output [N, OD, OH, OW, C]: each window's mean
//   over the taps inside the input (padding is not counted).
//
// As TF's x86 CPU kernel, which is oneDNN's (_MklNativeAvgPool3D; measured
// bit for bit): the taps inside the input are summed in float in depth, row,
// column order, every value counted (NaN and infinities propagate; unlike
// Eigen's CuboidAvgPooling, -FLT_MAX is an ordinary value), and the sum is
// divided by their number and rounded once to T (bfloat16 included). TF's CPU
// kernels exist for float and bfloat16 only (half and double are registered
// for GPU/XLA; TF's CPU refuses them, as here).
#include <Eigen/Core>
#include <cstdint>

#include "opbridge/op.h"
#include "pool_3d.h"

namespace opbridge {
namespace {

template <typename T>
struct MeanReduce {
  struct Acc {
    float sum;
    int64_t count;
  };
  void Start(Acc& acc) const { acc = {0.0f, 0}; }
  void Add(Acc& acc, T tap) const {
    acc.sum += static_cast<float>(tap);
    ++acc.count;
  }
  T Finish(const Acc& acc) const { return static_cast<T>(acc.sum / static_cast<float>(acc.count)); }
};

Status AvgPool3DKernel(KernelContext& ctx, const nn::Pool3DParams& p) {
  return nn::DispatchPool3DTypes(ctx.input(0).dtype(), "AvgPool3D", [&](auto tag) {
    using T = typename decltype(tag)::type;
    return nn::RunPool3D<T>(ctx, p, MeanReduce<T>{});
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("AvgPool3D")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("3-D average pooling over NDHWC windows, SAME or VALID padding, padding taps not "
                              "counted (tf.nn.avg_pool3d).")
                         .Input("input: T")
                         .Output("output: T")
                         .Params<nn::Pool3DParams>()
                         .Attr("T: {half, bfloat16, float, double}")
                         .ShapeRule(nn::Pool3DShape)
                         .Kernel(AvgPool3DKernel));

}  // namespace
}  // namespace opbridge
