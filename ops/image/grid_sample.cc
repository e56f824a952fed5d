// Opbridge>GridSample: sample an image at normalized grid points, with the
// semantics of PyTorch's torch.nn.functional.grid_sample (2-D), in NHWC.
//
//   image [N, H, W, C], grid [N, Ho, Wo, 2] holding (x, y) in [-1, 1]
//   -> output [N, Ho, Wo, C]
// mode: bilinear | nearest (nearbyint: halves round to even) | bicubic (4x4
// taps, Keys' cubic with A = -0.75, padding applied to each tap);
// padding_mode: zeros | border | reflection; align_corners as in PyTorch.
// Gradients for image and grid come from Opbridge>GridSampleGrad.
#include <algorithm>
#include <limits>

#include "../math/avx2_dispatch.h"
#include "grid_sample_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace grid_sample;  // NOLINT

Status GridSampleShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireDimEquals(1, 3, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, 0, 1, 0));
  const Shape& image = ctx.input(0);
  const Shape& grid = ctx.input(1);
  if (image.rank_known()) {
    OPBRIDGE_REQUIRE(image.dim(1) != 0 && image.dim(2) != 0, "input 'image' must have non-empty spatial dims, got ",
                     image.ToString());
  }
  Shape out = Shape::UnknownRank();
  if (image.rank_known() || grid.rank_known()) {
    const int64_t n = image.rank_known() && image.dim(0) >= 0 ? image.dim(0)
                      : grid.rank_known()                      ? grid.dim(0)
                                                               : kUnknownDim;
    out = Shape({n, grid.rank_known() ? grid.dim(1) : kUnknownDim, grid.rank_known() ? grid.dim(2) : kUnknownDim,
                 image.rank_known() ? image.dim(3) : kUnknownDim});
  }
  ctx.set_output(0, out);
  return Status::Ok();
}

// One output pixel of bicubic sampling: rows of four taps are combined first,
// then the rows, in PyTorch's order. A tap that reads nothing (zeros padding)
// adds an exact zero in PyTorch, so it is skipped here.
template <typename T>
__attribute__((always_inline)) inline void SampleBicubic(const T* src, const BicubicTaps<T>& b, int64_t width,
                                                         int64_t channels, T* dst) {
  std::fill(dst, dst + channels, T(0));
  for (int j = 0; j < 4; ++j) {
    if (b.ys[j] < 0) continue;
    const T* row = src + b.ys[j] * width * channels;
    const T wy = b.wy[j];
    if (b.xs[0] >= 0 && b.xs[1] >= 0 && b.xs[2] >= 0 && b.xs[3] >= 0) {
      // All four taps read pixels: a loop over channels the compiler vectorizes.
      const T* __restrict p0 = row + b.xs[0] * channels;
      const T* __restrict p1 = row + b.xs[1] * channels;
      const T* __restrict p2 = row + b.xs[2] * channels;
      const T* __restrict p3 = row + b.xs[3] * channels;
      const T w0 = b.wx[0], w1 = b.wx[1], w2 = b.wx[2], w3 = b.wx[3];
      T* __restrict out = dst;
      for (int64_t c = 0; c < channels; ++c) out[c] += wy * (w0 * p0[c] + w1 * p1[c] + w2 * p2[c] + w3 * p3[c]);
      continue;
    }
    const T* taps[4];
    T weights[4];
    int n = 0;
    for (int i = 0; i < 4; ++i) {
      if (b.xs[i] < 0) continue;
      taps[n] = row + b.xs[i] * channels;
      weights[n++] = b.wx[i];
    }
    for (int64_t c = 0; c < channels; ++c) {
      T sum = T(0);
      for (int k = 0; k < n; ++k) sum += weights[k] * taps[k][c];
      dst[c] += wy * sum;
    }
  }
}

// Bicubic outputs begin..end (image and grid as in Sample).
template <typename T>
__attribute__((always_inline)) inline void BicubicPoints(const T* img, const T* g, int64_t begin, int64_t end,
                                                         int64_t points_per_image, int64_t height, int64_t width,
                                                         int64_t channels, Padding padding, bool align, T* out) {
  for (int64_t p = begin; p < end; ++p) {
    const T* src = img + (p / points_per_image) * height * width * channels;
    T* dst = out + p * channels;
    T unused;
    const BicubicTaps<T> b(Unnormalize(g[2 * p], width, align, &unused),
                           Unnormalize(g[2 * p + 1], height, align, &unused), width, height, padding, align);
    if (b.finite) {
      SampleBicubic(src, b, width, channels, dst);
    } else {
      std::fill(dst, dst + channels, std::numeric_limits<T>::quiet_NaN());
    }
  }
}

#if defined(__x86_64__)
// The same code on 8-float / 4-double vectors (16 taps per output, each a
// multiply and an add over the channels): no FMA, so the same bits as the
// baseline's 4- / 2-wide ones.
template <typename T>
__attribute__((target("avx2"), noinline)) void BicubicPointsAvx2(const T* img, const T* g, int64_t begin,
                                                                  int64_t end, int64_t points_per_image,
                                                                  int64_t height, int64_t width, int64_t channels,
                                                                  Padding padding, bool align, T* out) {
  BicubicPoints(img, g, begin, end, points_per_image, height, width, channels, padding, align, out);
}
#endif

template <typename T>
Status Sample(KernelContext& ctx, const Params& params) {
  const ConstTensor& image = ctx.input(0);
  const ConstTensor& grid = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t height = image.dim(1), width = image.dim(2), channels = image.dim(3);
  const int64_t points_per_image = grid.dim(1) * grid.dim(2);
  const Mode mode = params.mode;
  const Padding padding = params.padding;
  const bool align = params.align_corners;
  const T* img = image.data<T>();
  const T* g = grid.data<T>();
  T* out = output.data<T>();

  const int64_t cost = (mode == Mode::kBicubic ? 40 : 8) * channels + 40;
  ctx.ParallelFor(grid.num_elements() / 2, cost, [&](int64_t begin, int64_t end) {
    if (mode == Mode::kBicubic) {
#if defined(__x86_64__)
      if (math::UseAvx2()) {
        BicubicPointsAvx2(img, g, begin, end, points_per_image, height, width, channels, padding, align, out);
        return;
      }
#endif
      BicubicPoints(img, g, begin, end, points_per_image, height, width, channels, padding, align, out);
      return;
    }
    for (int64_t p = begin; p < end; ++p) {
      const T* src = img + (p / points_per_image) * height * width * channels;
      T* dst = out + p * channels;
      T unused;
      const T ix = SourceIndex(g[2 * p], width, padding, align, &unused);
      const T iy = SourceIndex(g[2 * p + 1], height, padding, align, &unused);
      if (mode == Mode::kNearest) {
        const auto x = static_cast<int64_t>(std::nearbyint(SafeIndex(ix)));
        const auto y = static_cast<int64_t>(std::nearbyint(SafeIndex(iy)));
        if (InBounds(y, x, height, width)) {
          const T* pixel = src + (y * width + x) * channels;
          std::copy(pixel, pixel + channels, dst);
        } else {
          std::fill(dst, dst + channels, T(0));
        }
        continue;
      }
      if (!std::isfinite(ix) || !std::isfinite(iy)) {
        std::fill(dst, dst + channels, std::numeric_limits<T>::quiet_NaN());
        continue;
      }
      const Bilinear<T> b(SafeIndex(ix), SafeIndex(iy));
      if (b.x0 >= 0 && b.y0 >= 0 && b.x0 + 1 < width && b.y0 + 1 < height) {
        // All four neighbours inside: no bounds tests, a loop the compiler
        // vectorizes. Same sum order (nw, ne, sw, se) as the general path.
        const T* __restrict nw = src + (b.y0 * width + b.x0) * channels;
        const T* __restrict ne = nw + channels;
        const T* __restrict sw = nw + width * channels;
        const T* __restrict se = sw + channels;
        const T w_nw = b.wx0 * b.wy0, w_ne = b.wx1 * b.wy0, w_sw = b.wx0 * b.wy1, w_se = b.wx1 * b.wy1;
        T* __restrict out_pixel = dst;
        for (int64_t c = 0; c < channels; ++c) {
          out_pixel[c] = nw[c] * w_nw + ne[c] * w_ne + sw[c] * w_sw + se[c] * w_se;
        }
        continue;
      }
      std::fill(dst, dst + channels, T(0));
      const int64_t xs[4] = {b.x0, b.x0 + 1, b.x0, b.x0 + 1};
      const int64_t ys[4] = {b.y0, b.y0, b.y0 + 1, b.y0 + 1};
      const T ws[4] = {b.wx0 * b.wy0, b.wx1 * b.wy0, b.wx0 * b.wy1, b.wx1 * b.wy1};
      for (int k = 0; k < 4; ++k) {
        if (!InBounds(ys[k], xs[k], height, width)) continue;
        const T* pixel = src + (ys[k] * width + xs[k]) * channels;
        for (int64_t c = 0; c < channels; ++c) dst[c] += pixel[c] * ws[k];
      }
    }
  });
  return Status::Ok();
}

Status GridSampleKernel(KernelContext& ctx, const Params& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Sample<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>GridSample")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Samples image [N,H,W,C] at grid [N,Ho,Wo,2] (normalized x, y in [-1, 1]) "
                              "with PyTorch grid_sample semantics; output [N,Ho,Wo,C].")
                         .Input("image: T")
                         .Input("grid: T")
                         .Output("output: T")
                         .Attr("T: {float, double}")
                         .Params<Params>()
                         .ShapeRule(GridSampleShape)
                         .Kernel(GridSampleKernel));

}  // namespace
}  // namespace opbridge
