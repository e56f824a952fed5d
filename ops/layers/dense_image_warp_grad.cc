// Opbridge>DenseImageWarpGrad: gradients of Opbridge>DenseImageWarp for image
// and flow, the derivatives TF's autodiff takes through TF Addons'
// dense_image_warp graph: the image gets each output gradient spread with the
// bilinear weights; the flow gets minus the derivative of the sample along
// each axis where the weight moves with the query (0 < q - floor <= 1, TF's
// Maximum/Minimum gradient rule; zero where clamped). TF only.
#include <algorithm>

#include "dense_image_warp.h"

namespace opbridge {
namespace {

Status DenseImageWarpGradShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(warp::CheckShapes(ctx.input(0), ctx.input(1)));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 4));
  for (int d = 0; d < 4; ++d) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, d, 0, d));
  ctx.set_output(0, ctx.input(0));
  ctx.set_output(1, ctx.input(1));
  return Status::Ok();
}

template <typename T>
Status Backward(KernelContext& ctx) {
  const ConstTensor& image = ctx.input(0);
  const ConstTensor& flow = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(warp::CheckFlow<T>(flow));
  const int64_t batch = image.dim(0), height = image.dim(1), width = image.dim(2), channels = image.dim(3);
  const T* img = image.data<T>();
  const T* fl = flow.data<T>();
  const T* grad = ctx.input(2).data<T>();
  T* grad_image = ctx.output(0).data<T>();
  T* grad_flow = ctx.output(1).data<T>();
  std::fill(grad_image, grad_image + image.num_elements(), T(0));
  // One batch entry per task: its pixels scatter into its own image only.
  ctx.ParallelFor(batch, height * width * (12 * channels + 40), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t p = b * height * width; p < (b + 1) * height * width; ++p) {
        const int64_t y = (p / width) % height, x = p % width;
        const warp::Axis<T> ay = warp::Locate<T>(static_cast<T>(y) - fl[2 * p], height);
        const warp::Axis<T> ax = warp::Locate<T>(static_cast<T>(x) - fl[2 * p + 1], width);
        const int64_t tl_index = ((b * height + ay.floor) * width + ax.floor) * channels;
        const T* tl = img + tl_index;
        const T* tr = tl + channels;
        const T* bl = tl + width * channels;
        const T* br = bl + channels;
        T* g_tl = grad_image + tl_index;
        T* g_tr = g_tl + channels;
        T* g_bl = g_tl + width * channels;
        T* g_br = g_bl + channels;
        const T* g = grad + p * channels;
        T d_ay = 0, d_ax = 0;
        for (int64_t c = 0; c < channels; ++c) {
          const T top = ax.alpha * (tr[c] - tl[c]) + tl[c];
          const T bottom = ax.alpha * (br[c] - bl[c]) + bl[c];
          const T g_bottom = g[c] * ay.alpha;
          const T g_top = g[c] - g_bottom;
          d_ay += g[c] * (bottom - top);
          d_ax += g_top * (tr[c] - tl[c]) + g_bottom * (br[c] - bl[c]);
          g_tr[c] += g_top * ax.alpha;
          g_tl[c] += g_top - g_top * ax.alpha;
          g_br[c] += g_bottom * ax.alpha;
          g_bl[c] += g_bottom - g_bottom * ax.alpha;
        }
        // query = grid - flow.
        grad_flow[2 * p] = ay.moves ? -d_ay : T(0);
        grad_flow[2 * p + 1] = ax.moves ? -d_ax : T(0);
      }
    }
  });
  return Status::Ok();
}

Status DenseImageWarpGradKernel(KernelContext& ctx) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Backward<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>DenseImageWarpGrad")
                         .Origin(OpOrigin::kOpbridge)
                         .TensorFlowOnly()
                         .Doc("Gradients of Opbridge>DenseImageWarp w.r.t. image and flow.")
                         .Input("image: T")
                         .Input("flow: T")
                         .Input("grad: T")
                         .Output("grad_image: T")
                         .Output("grad_flow: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(DenseImageWarpGradShape)
                         .Kernel(DenseImageWarpGradKernel));

}  // namespace
}  // namespace opbridge
