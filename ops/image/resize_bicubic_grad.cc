// ResizeBicubicGrad: the gradient of ResizeBicubic (tf.image.resize
// method="bicubic" under tf.GradientTape). The converter emits CUSTOM
// "ResizeBicubicGrad" {T, align_corners, half_pixel_centers}.
//
//   grads [B, RH, RW, C] float, original_image [*, H, W, *] T -> [B, H, W, C] T
//
// TF's CPU kernel walks the resized grid in order (b, y, x, c), reads the
// gradient as T, and adds T(g * wy[k] * wx[j]) to out[iy[k]][ix[j]] for
// k = 0..3, j = 0..3 in that order, with the forward op's cubic taps
// (resize_bicubic_taps.h) and scale (ResizeScale). Float and
// double multiply and accumulate in T. Border taps are clamped, so several
// of a pixel's 16 additions can land on one element; every element must
// see its additions in TF's order to get TF's bits. A task here owns one
// output row and visits the resized rows touching it in increasing y (a
// contiguous range), their pixels in increasing x, and per pixel the taps
// k, j in TF's order, skipping those of other rows: each element's sum is
// TF's, whatever the thread count.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_bicubic_taps.h"
#include "resize_grad_state.h"
#include "resize_util.h"

namespace opbridge {
namespace {

template <typename T>
Status Grad(KernelContext& ctx, const image::ResizeGradParams& p, const image::GradGeometry& g) {
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  const float* grads = ctx.input(0).data<float>();
  T* out = output.data<T>();
  const float height_scale = image::ResizeScale(g.original_h, g.resized_h, p.align_corners);
  const float width_scale = image::ResizeScale(g.original_w, g.resized_w, p.align_corners);
  std::vector<image::Taps> ys(static_cast<size_t>(g.resized_h)), xs(static_cast<size_t>(g.resized_w));
  for (int64_t y = 0; y < g.resized_h; ++y) {
    ys[static_cast<size_t>(y)] = image::ComputeTaps(y, height_scale, g.original_h, p.half_pixel_centers);
  }
  for (int64_t x = 0; x < g.resized_w; ++x) {
    xs[static_cast<size_t>(x)] = image::ComputeTaps(x, width_scale, g.original_w, p.half_pixel_centers);
  }
  // The resized rows touching each output row: [first[r], last[r]).
  std::vector<int64_t> first(static_cast<size_t>(g.original_h), 0), last(static_cast<size_t>(g.original_h), 0);
  for (int64_t y = g.resized_h - 1; y >= 0; --y) {
    for (const int64_t r : ys[static_cast<size_t>(y)].index) {
      first[static_cast<size_t>(r)] = y;
      if (last[static_cast<size_t>(r)] == 0) last[static_cast<size_t>(r)] = y + 1;
    }
  }
  const int64_t nc = g.channels, out_row = g.original_w * nc, in_image = g.resized_h * g.resized_w * nc;
  const int64_t cost = (g.resized_h / g.original_h + 4) * g.resized_w * nc * 16 + out_row;
  ctx.ParallelFor(g.batch * g.original_h, cost, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.original_h, r = task % g.original_h;
      T* acc = out + task * out_row;
      std::fill(acc, acc + out_row, T(0));
      for (int64_t y = first[static_cast<size_t>(r)]; y < last[static_cast<size_t>(r)]; ++y) {
        const image::Taps& ty = ys[static_cast<size_t>(y)];
        // This row's weights (TF multiplies by each of them in T).
        T wy[4];
        int rows = 0;
        for (int k = 0; k < 4; ++k) {
          if (ty.index[k] == r) wy[rows++] = static_cast<T>(ty.w[k]);
        }
        if (rows == 0) continue;
        const float* row = grads + b * in_image + y * g.resized_w * nc;
        for (int64_t x = 0; x < g.resized_w; ++x, row += nc) {
          const image::Taps& tx = xs[static_cast<size_t>(x)];
          for (int k = 0; k < rows; ++k) {
            for (int j = 0; j < 4; ++j) {
              T* dst = acc + tx.index[j] * nc;
              const T wx = static_cast<T>(tx.w[j]);
              for (int64_t c = 0; c < nc; ++c) dst[c] += static_cast<T>(row[c]) * wy[k] * wx;
            }
          }
        }
      }
    }
  });
  return Status::Ok();
}

Status ResizeBicubicGradKernel(KernelContext& ctx, const image::ResizeGradParams& p) {
  image::GradGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(image::CheckResizeGrad(ctx.input(0).shape(), ctx.input(1).shape(), p, &g));
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(
      image::OutputWithShape(ctx, 0, Shape({g.batch, g.original_h, g.original_w, g.channels}), &output));
  return Dispatch<float, double>(ctx.input(1).dtype(),
                                 [&](auto tag) { return Grad<typename decltype(tag)::type>(ctx, p, g); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeBicubicGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of ResizeBicubic: each resized pixel's gradient spread over the 4x4 "
                              "original pixels it interpolates, with the cubic weights.")
                         .Input("grads: float")
                         .Input("original_image: T")
                         .Output("output: T")
                         .Attr("T: {float, double}")
                         .Params<image::ResizeGradParams>()
                         .ShapeRule(image::ResizeGradShape)
                         .Kernel(ResizeBicubicGradKernel));

}  // namespace
}  // namespace opbridge
