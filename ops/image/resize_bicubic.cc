// ResizeBicubic: TF's bicubic resize (tf.image.resize(method="bicubic"),
// tf.compat.v1.image.resize_bicubic). The converter emits CUSTOM
// "ResizeBicubic" with {T, align_corners, half_pixel_centers}; `size` is an
// int32 input (a constant in practice; a dynamic output otherwise).
//
// Same arithmetic as TF's CPU kernel, which is what makes float32 parity
// exact: the cubic taps of resize_bicubic_taps.h (TF's table, Keys' cubic
// with half_pixel_centers, a = -0.75 clamped otherwise). Each output is a
// cubic along x of four cubics along y, accumulated in float left to right. Input of any real
// type is read as float; the output is float.
#include <cmath>
#include <utility>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_bicubic_taps.h"
#include "resize_util.h"

namespace opbridge {
namespace {

struct ResizeBicubicParams {
  bool align_corners = false;
  bool half_pixel_centers = false;

  static void Declare(ParamBinder& b, ResizeBicubicParams& p) {
    b.Attr("align_corners: bool = false", &p.align_corners);
    b.Attr("half_pixel_centers: bool = false", &p.half_pixel_centers);
  }
};

using image::ComputeTaps;
using image::Taps;

// Along x: out[x] = sum_k v[index_k] * w_k per channel, values laid out
// with `stride` floats per column. kChannels > 0 fixes the channel count at
// compile time (unrolled), 0 takes `channels`.
template <int kChannels>
void InterpolateRow(const std::vector<Taps>& x_taps, const float* values, int64_t channels, float* dst) {
  const int64_t nc = kChannels > 0 ? kChannels : channels;
  for (const Taps& xt : x_taps) {
    const float* v0 = values + xt.index[0] * nc;
    const float* v1 = values + xt.index[1] * nc;
    const float* v2 = values + xt.index[2] * nc;
    const float* v3 = values + xt.index[3] * nc;
    const float w0 = xt.w[0], w1 = xt.w[1], w2 = xt.w[2], w3 = xt.w[3];
    for (int64_t c = 0; c < nc; ++c) dst[c] = v0[c] * w0 + v1[c] * w1 + v2[c] * w2 + v3[c] * w3;
    dst += nc;
  }
}

// Three channels held as four-float vectors (the fourth lane unused): one
// vector multiply-add chain per tap. Lane-wise IEEE arithmetic, so each
// channel gets exactly the scalar result.
typedef float Float4 __attribute__((vector_size(16)));

void InterpolateRow3(const std::vector<Taps>& x_taps, const Float4* values, float* dst) {
  const size_t n = x_taps.size();
  for (size_t x = 0; x < n; ++x, dst += 3) {
    const Taps& xt = x_taps[x];
    const Float4 v = values[xt.index[0]] * xt.w[0] + values[xt.index[1]] * xt.w[1] + values[xt.index[2]] * xt.w[2] +
                     values[xt.index[3]] * xt.w[3];
    dst[0] = v[0], dst[1] = v[1], dst[2] = v[2];
  }
}

template <typename T>
Status Resize(KernelContext& ctx, const ResizeBicubicParams& p) {
  const bool align = p.align_corners;
  const bool half_pixel = p.half_pixel_centers;
  image::ResizeGeometry g;
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::ResizeSetup(ctx, align, half_pixel, &g, &output));
  if (output.num_elements() == 0) return Status::Ok();
  const int64_t channels = g.channels, in_w = g.in_width, out_w = g.out_width;

  std::vector<Taps> x_taps(static_cast<size_t>(out_w));
  std::vector<char> column_used(static_cast<size_t>(in_w), 0);
  for (int64_t x = 0; x < out_w; ++x) {
    x_taps[static_cast<size_t>(x)] = ComputeTaps(x, g.width_scale, in_w, half_pixel);
    for (int64_t i : x_taps[static_cast<size_t>(x)].index) column_used[static_cast<size_t>(i)] = 1;
  }
  // Runs of input columns the x taps read, as [begin, end) element offsets:
  // the y pass streams through them (vectorizable), skipping unread columns
  // when downscaling.
  std::vector<std::pair<int64_t, int64_t>> runs;
  int64_t used_elements = 0;
  for (int64_t i = 0; i < in_w; ++i) {
    if (!column_used[static_cast<size_t>(i)]) continue;
    if (!runs.empty() && runs.back().second == i * channels) {
      runs.back().second += channels;
    } else {
      runs.emplace_back(i * channels, (i + 1) * channels);
    }
    used_elements += channels;
  }

  const T* in = ctx.input(0).data<T>();
  float* out = output.data<float>();
  const int64_t row_size = in_w * channels;
  ctx.ParallelFor(g.batch * g.out_height, used_elements * 2 + out_w * channels * 3, [&](int64_t begin, int64_t end) {
    // Cubic along y for every input column the x taps read, then along x,
    // each sum in TF's order (tap 0 to 3).
    std::vector<float> column_values(static_cast<size_t>(row_size));
    std::vector<Float4> padded(channels == 3 ? static_cast<size_t>(in_w) : 0);
    float* __restrict values = column_values.data();
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.out_height, y = task % g.out_height;
      const Taps yt = ComputeTaps(y, g.height_scale, g.in_height, half_pixel);
      const T* image = in + b * g.in_height * row_size;
      const T* __restrict r0 = image + yt.index[0] * row_size;
      const T* __restrict r1 = image + yt.index[1] * row_size;
      const T* __restrict r2 = image + yt.index[2] * row_size;
      const T* __restrict r3 = image + yt.index[3] * row_size;
      const float w0 = yt.w[0], w1 = yt.w[1], w2 = yt.w[2], w3 = yt.w[3];
      for (const auto& [first, last] : runs) {
        for (int64_t k = first; k < last; ++k) {
          values[k] = static_cast<float>(r0[k]) * w0 + static_cast<float>(r1[k]) * w1 +
                      static_cast<float>(r2[k]) * w2 + static_cast<float>(r3[k]) * w3;
        }
      }
      float* dst = out + task * out_w * channels;
      switch (channels) {
        case 1: InterpolateRow<1>(x_taps, values, channels, dst); break;
        case 2: InterpolateRow<2>(x_taps, values, channels, dst); break;
        case 3:
          for (const auto& [first, last] : runs) {
            for (int64_t k = first; k < last; k += 3) {
              padded[k / 3] = Float4{values[k], values[k + 1], values[k + 2], 0.0f};
            }
          }
          InterpolateRow3(x_taps, padded.data(), dst);
          break;
        case 4: InterpolateRow<4>(x_taps, values, channels, dst); break;
        default: InterpolateRow<0>(x_taps, values, channels, dst); break;
      }
    }
  });
  return Status::Ok();
}

Status ResizeBicubicShape(ShapeContext& ctx, const ResizeBicubicParams& p) {
  return image::ResizeShape(ctx, p.align_corners, p.half_pixel_centers);
}

Status ResizeBicubicKernel(KernelContext& ctx, const ResizeBicubicParams& p) {
  return image::DispatchResizeTypes(ctx.input(0).dtype(),
                                    [&](auto tag) { return Resize<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeBicubic")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Bicubic resize of NHWC images to `size` (tf.image.resize method='bicubic'); "
                              "float output.")
                         .Input("images: T")
                         .Input("size: int32")
                         .Output("resized_images: float")
                         .Attr("T: {int8, uint8, int16, uint16, int32, int64, half, float, double, bfloat16}")
                         .Params<ResizeBicubicParams>()
                         .ShapeRule(ResizeBicubicShape)
                         .Kernel(ResizeBicubicKernel));

}  // namespace
}  // namespace opbridge
