// Opbridge>GridSampleGrad: gradients of Opbridge>GridSample for image and
// grid, as PyTorch's grid_sampler_2d_backward computes them (nearest: the
// grid gradient is zero; border/reflection: the clip and fold derivatives;
// bicubic: padding picks whole pixels, so only the weights have slopes).
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

// Bicubic gradients of one grid point: each of the 16 taps that reads a pixel
// receives grad_output times its weight, and the grid gradient is the weight
// slopes times the pixel values, times d(index)/d(coord) of the unnormalize.
template <typename T>
void BicubicBackward(const T* src, const T* go, T ix, T iy, const T scale[2], int64_t width, int64_t height,
                     int64_t channels, Padding padding, bool align, T* dsrc, T* grad_grid) {
  const BicubicTaps<T> b(ix, iy, width, height, padding, align);
  T dwx[4], dwy[4];
  CubicWeightSlopes(b.tx, dwx);
  CubicWeightSlopes(b.ty, dwy);
  T gix = 0, giy = 0;
  for (int j = 0; j < 4; ++j) {
    for (int i = 0; i < 4; ++i) {
      if (b.xs[i] < 0 || b.ys[j] < 0) continue;
      const int64_t offset = (b.ys[j] * width + b.xs[i]) * channels;
      T dot = 0;
      for (int64_t c = 0; c < channels; ++c) {
        dsrc[offset + c] += go[c] * b.wx[i] * b.wy[j];
        dot += src[offset + c] * go[c];
      }
      gix += dot * dwx[i] * b.wy[j];
      giy += dot * b.wx[i] * dwy[j];
    }
  }
  if (!b.finite && channels > 0) {
    // NaN weights: PyTorch multiplies them into every tap, including the
    // ones that read nothing, so the slope is NaN even when no tap reads.
    gix = giy = std::numeric_limits<T>::quiet_NaN();
  }
  grad_grid[0] = scale[0] * gix;
  grad_grid[1] = scale[1] * giy;
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
  const int64_t cost = points * ((mode == Mode::kBicubic ? 64 : 16) * channels + 40);
  ctx.ParallelFor(batch, cost, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n) {
      const T* src = image.data<T>() + n * height * width * channels;
      T* dsrc = grad_image + n * height * width * channels;
      for (int64_t q = 0; q < points; ++q) {
        const int64_t p = n * points + q;
        const T* go = grad_out.data<T>() + p * channels;
        if (mode == Mode::kBicubic) {
          T scale[2];
          const T ix = Unnormalize(grid.data<T>()[2 * p], width, align, &scale[0]);
          const T iy = Unnormalize(grid.data<T>()[2 * p + 1], height, align, &scale[1]);
          BicubicBackward(src, go, ix, iy, scale, width, height, channels, padding, align, dsrc,
                          grad_grid + 2 * p);
          continue;
        }
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
