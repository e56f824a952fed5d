// Opbridge>GridSampleGrad: gradients of Opbridge>GridSample for image and
// grid, as PyTorch's grid_sampler_2d_backward computes them (nearest: the
// grid gradient is zero; border/reflection: the clip and fold derivatives).
// TF only: it exists so that models with GridSample train.
#include <limits>

#include "grid_sample_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace grid_sample;  // NOLINT

Status GridSampleGradShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireDimEquals(1, 3, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, 0, 1, 0));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, 0, 1, 0));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, 1, 1, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, 2, 1, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(2, 3, 0, 3));
  ctx.set_output(0, ctx.input(0));
  ctx.set_output(1, ctx.input(1));
  return Status::Ok();
}

template <typename T>
Status Backward(KernelContext& ctx, const Params& params) {
  const ConstTensor& image = ctx.input(0);
  const ConstTensor& grid = ctx.input(1);
  const ConstTensor& grad_out = ctx.input(2);
  const int64_t batch = image.dim(0), height = image.dim(1), width = image.dim(2), channels = image.dim(3);
  const int64_t points = grid.dim(1) * grid.dim(2);
  const Mode mode = params.mode;
  const Padding padding = params.padding;
  const bool align = params.align_corners;
  T* grad_image = ctx.output(0).data<T>();
  T* grad_grid = ctx.output(1).data<T>();
  std::fill(grad_image, grad_image + image.num_elements(), T(0));

  // One image per task: image gradients scatter within their own image only,
  // so results do not depend on the number of threads.
  ctx.ParallelFor(batch, points * (16 * channels + 40), [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const T* src = image.data<T>() + n * height * width * channels;
      T* dsrc = grad_image + n * height * width * channels;
      for (int64_t q = 0; q < points; ++q) {
        const int64_t p = n * points + q;
        const T* go = grad_out.data<T>() + p * channels;
        T gx_mult, gy_mult;
        const T ix = SourceIndex(grid.data<T>()[2 * p], width, padding, align, &gx_mult);
        const T iy = SourceIndex(grid.data<T>()[2 * p + 1], height, padding, align, &gy_mult);
        if (mode == Mode::kNearest) {
          const auto x = static_cast<int64_t>(std::nearbyint(SafeIndex(ix)));
          const auto y = static_cast<int64_t>(std::nearbyint(SafeIndex(iy)));
          if (InBounds(y, x, height, width)) {
            T* pixel = dsrc + (y * width + x) * channels;
            for (int64_t c = 0; c < channels; ++c) pixel[c] += go[c];
          }
          grad_grid[2 * p] = T(0);
          grad_grid[2 * p + 1] = T(0);
          continue;
        }
        if (!std::isfinite(ix) || !std::isfinite(iy)) {
          // The forward value is NaN here (zeros padding); so is its slope.
          grad_grid[2 * p] = std::numeric_limits<T>::quiet_NaN();
          grad_grid[2 * p + 1] = std::numeric_limits<T>::quiet_NaN();
          continue;
        }
        const Bilinear<T> b(SafeIndex(ix), SafeIndex(iy));
        const int64_t xs[4] = {b.x0, b.x0 + 1, b.x0, b.x0 + 1};
        const int64_t ys[4] = {b.y0, b.y0, b.y0 + 1, b.y0 + 1};
        const T ws[4] = {b.wx0 * b.wy0, b.wx1 * b.wy0, b.wx0 * b.wy1, b.wx1 * b.wy1};
        // d(weight)/d(ix) and d(weight)/d(iy) for nw, ne, sw, se.
        const T dwx[4] = {-b.wy0, b.wy0, -b.wy1, b.wy1};
        const T dwy[4] = {-b.wx0, -b.wx1, b.wx0, b.wx1};
        T gix = 0, giy = 0;
        for (int k = 0; k < 4; ++k) {
          if (!InBounds(ys[k], xs[k], height, width)) continue;
          const int64_t offset = (ys[k] * width + xs[k]) * channels;
          for (int64_t c = 0; c < channels; ++c) {
            dsrc[offset + c] += ws[k] * go[c];
            gix += src[offset + c] * dwx[k] * go[c];
            giy += src[offset + c] * dwy[k] * go[c];
          }
        }
        grad_grid[2 * p] = gx_mult * gix;
        grad_grid[2 * p + 1] = gy_mult * giy;
      }
    }
  });
  return Status::Ok();
}

Status GridSampleGradKernel(KernelContext& ctx, const Params& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Backward<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>GridSampleGrad")
                         .Origin(OpOrigin::kOpbridge)
                         .TensorFlowOnly()
                         .Doc("Gradients of Opbridge>GridSample w.r.t. image and grid.")
                         .Input("image: T")
                         .Input("grid: T")
                         .Input("grad_output: T")
                         .Output("grad_image: T")
                         .Output("grad_grid: T")
                         .Attr("T: {float, double}")
                         .Params<Params>()
                         .ShapeRule(GridSampleGradShape)
                         .Kernel(GridSampleGradKernel));

}  // namespace
}  // namespace opbridge
