// ResizeBilinearGrad: the gradient of ResizeBilinear (tf.image.resize
// method="bilinear" under tf.GradientTape, Keras UpSampling2D/Resizing with
// bilinear interpolation in a train step). The converter emits CUSTOM
// "ResizeBilinearGrad" {T, align_corners, half_pixel_centers}: TFLite has no
// such builtin.
//
//   grads [B, RH, RW, C] float, original_image [*, H, W, *] T -> [B, H, W, C] T
// (only original_image's height and width are read, as in TF).
//
// TF's CPU kernel walks the resized grid in order (b, y, x, c) and adds each
// gradient to the four input pixels it was interpolated from:
//   out[top][left]     += T(g * inv_y * inv_x)
//   out[top][right]    += T(g * inv_y * x_lerp)
//   out[bottom][left]  += T(g * y_lerp * inv_x)
//   out[bottom][right] += T(g * y_lerp * x_lerp)
// with the forward op's taps (float source coordinate, floor/ceil clamped,
// lerp from the unclamped floor) and scale (ResizeScale, as measured on TF
// 2.21: a 1-pixel original keeps in / out under align_corners). The
// products are float; float and double accumulate in T, half and bfloat16 in
// a float buffer cast to T at the end. Float addition is not associative, so
// to give TF's bits every output element must see its additions in TF's
// order. Here a task owns one output row: it visits the resized rows that
// touch it in increasing y (a contiguous range: the taps are monotone), each
// resized row's pixels in increasing x, and within a pixel the top corners
// before the bottom ones and left before right, which is the order TF adds
// into that element. Rows are independent, so the result does not depend on
// the thread count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_grad_state.h"
#include "resize_util.h"

namespace opbridge {
namespace {

// One resized coordinate's two source taps and weights (TF's names).
struct Tap {
  int64_t lower = 0, upper = 0;
  float lerp = 0, inverse = 1;
};

std::vector<Tap> Taps(int64_t resized, int64_t original, float scale, bool half_pixel) {
  std::vector<Tap> taps(static_cast<size_t>(resized));
  for (int64_t i = 0; i < resized; ++i) {
    const float src = half_pixel ? image::HalfPixelSource(i, scale) : image::LegacySource(i, scale);
    const float src_floor = std::floor(src);
    Tap& t = taps[static_cast<size_t>(i)];
    t.lower = std::max<int64_t>(static_cast<int64_t>(src_floor), 0);
    t.upper = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), original - 1);
    t.lerp = src - src_floor;
    t.inverse = 1.0f - t.lerp;
  }
  return taps;
}

// Adds the gradients of the resized rows [y_begin, y_end) into output row `r`
// of one image (`acc`, original_w * channels values of Acc), in TF's order.
template <typename Acc>
void AccumulateRow(const float* grads, const image::GradGeometry& g, const std::vector<Tap>& ys,
                   const std::vector<Tap>& xs, int64_t r, int64_t y_begin, int64_t y_end, Acc* __restrict acc) {
  const int64_t nc = g.channels;
  for (int64_t y = y_begin; y < y_end; ++y) {
    const Tap& ty = ys[static_cast<size_t>(y)];
    // The weight of this row for output row r: inverse when r is the top
    // tap, lerp when it is the bottom one, both (top first) when they agree.
    const bool top = ty.lower == r, bottom = ty.upper == r;
    const float* __restrict row = grads + y * g.resized_w * nc;
    for (int64_t x = 0; x < g.resized_w; ++x, row += nc) {
      const Tap& tx = xs[static_cast<size_t>(x)];
      Acc* left = acc + tx.lower * nc;  // may equal `right`: no __restrict
      Acc* right = acc + tx.upper * nc;
      if (top) {
        for (int64_t c = 0; c < nc; ++c) left[c] += static_cast<Acc>(row[c] * ty.inverse * tx.inverse);
        for (int64_t c = 0; c < nc; ++c) right[c] += static_cast<Acc>(row[c] * ty.inverse * tx.lerp);
      }
      if (bottom) {
        for (int64_t c = 0; c < nc; ++c) left[c] += static_cast<Acc>(row[c] * ty.lerp * tx.inverse);
        for (int64_t c = 0; c < nc; ++c) right[c] += static_cast<Acc>(row[c] * ty.lerp * tx.lerp);
      }
    }
  }
}

template <typename T>
Status Grad(KernelContext& ctx, const image::ResizeGradParams& p, const image::GradGeometry& g) {
  const Tensor& output = ctx.output(0);
  if (output.num_elements() == 0) return Status::Ok();
  const float* grads = ctx.input(0).data<float>();
  T* out = output.data<T>();
  const float height_scale = image::ResizeScale(g.original_h, g.resized_h, p.align_corners);
  const float width_scale = image::ResizeScale(g.original_w, g.resized_w, p.align_corners);
  const std::vector<Tap> ys = Taps(g.resized_h, g.original_h, height_scale, p.half_pixel_centers);
  const std::vector<Tap> xs = Taps(g.resized_w, g.original_w, width_scale, p.half_pixel_centers);
  // The resized rows touching each output row: [first[r], last[r]).
  std::vector<int64_t> first(static_cast<size_t>(g.original_h), 0), last(static_cast<size_t>(g.original_h), 0);
  for (int64_t y = g.resized_h - 1; y >= 0; --y) {
    for (const int64_t r : {ys[static_cast<size_t>(y)].lower, ys[static_cast<size_t>(y)].upper}) {
      first[static_cast<size_t>(r)] = y;
      if (last[static_cast<size_t>(r)] == 0) last[static_cast<size_t>(r)] = y + 1;
    }
  }
  const int64_t out_row = g.original_w * g.channels;
  const int64_t cost = (g.resized_h / g.original_h + 2) * g.resized_w * g.channels * 4 + out_row;
  // Eigen's half and bfloat16 add in float and round each sum; TF sums them
  // in float and rounds once, so those accumulate in a float row.
  using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
  ctx.ParallelFor(g.batch * g.original_h, cost, [&](int64_t begin, int64_t end) {
    std::vector<Acc> buffer;
    if constexpr (!std::is_same_v<T, Acc>) buffer.resize(static_cast<size_t>(out_row));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.original_h, r = task % g.original_h;
      Acc* acc;
      if constexpr (std::is_same_v<T, Acc>) {
        acc = out + task * out_row;
      } else {
        acc = buffer.data();
      }
      std::fill(acc, acc + out_row, Acc(0));
      AccumulateRow(grads + b * g.resized_h * g.resized_w * g.channels, g, ys, xs, r,
                    first[static_cast<size_t>(r)], last[static_cast<size_t>(r)], acc);
      if constexpr (!std::is_same_v<T, Acc>) {
        T* dst = out + task * out_row;
        for (int64_t i = 0; i < out_row; ++i) dst[i] = static_cast<T>(acc[i]);
      }
    }
  });
  return Status::Ok();
}

Status ResizeBilinearGradKernel(KernelContext& ctx, const image::ResizeGradParams& p) {
  image::GradGeometry g;
  OPBRIDGE_RETURN_IF_ERROR(image::CheckResizeGrad(ctx.input(0).shape(), ctx.input(1).shape(), p, &g));
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(
      image::OutputWithShape(ctx, 0, Shape({g.batch, g.original_h, g.original_w, g.channels}), &output));
  return image::DispatchWith16BitFloats<float, double>(ctx.input(1).dtype(), true, true, [&](auto tag) {
    return Grad<typename decltype(tag)::type>(ctx, p, g);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeBilinearGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gradient of ResizeBilinear: each resized pixel's gradient added to the four "
                              "original pixels it interpolates.")
                         .Input("grads: float")
                         .Input("original_image: T")
                         .Output("output: T")
                         .Attr("T: {float, bfloat16, half, double}")
                         .Params<image::ResizeGradParams>()
                         .ShapeRule(image::ResizeGradShape)
                         .Kernel(ResizeBilinearGradKernel));

}  // namespace
}  // namespace opbridge
