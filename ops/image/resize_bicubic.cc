// ResizeBicubic: TF's bicubic resize (tf.image.resize(method="bicubic"),
// tf.compat.v1.image.resize_bicubic). The converter emits CUSTOM
// "ResizeBicubic" with {T, align_corners, half_pixel_centers}; `size` is an
// int32 input (a constant in practice; a dynamic output otherwise).
//
// Same arithmetic as TF's CPU kernel, which is what makes float32 parity
// exact: cubic weights come from a 1025-entry table indexed by
// lrint(fraction * 1024); half_pixel_centers uses Keys' cubic (a = -0.5) with
// taps outside the image dropped and the rest renormalized, the legacy mode
// a = -0.75 with taps clamped to the border. Each output is a cubic along x of
// four cubics along y, accumulated in float left to right. Input of any real
// type is read as float; the output is float.
#include <cmath>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_util.h"

namespace opbridge {
namespace {

constexpr int64_t kTableSize = 1024;

struct CubicTable {
  float coeffs[(kTableSize + 1) * 2];
  explicit CubicTable(double a) {
    for (int64_t i = 0; i <= kTableSize; ++i) {
      float x = static_cast<float>(static_cast<double>(i) * 1.0 / kTableSize);
      coeffs[i * 2] = static_cast<float>(((a + 2) * x - (a + 3)) * x * x + 1);
      x = static_cast<float>(x + 1.0);
      coeffs[i * 2 + 1] = static_cast<float>(((a * x - 5 * a) * x + 8 * a) * x - 4 * a);
    }
  }
};

// Immutable once built (thread-safe static initialization).
const float* Coefficients(bool keys_cubic) {
  static const CubicTable keys(-0.5), legacy(-0.75);
  return keys_cubic ? keys.coeffs : legacy.coeffs;
}

struct Taps {
  float w[4];
  int64_t index[4];
};

// The four input taps and weights of output position `out` along one axis.
Taps ComputeTaps(int64_t out, float scale, int64_t limit, bool half_pixel_centers) {
  const float source = half_pixel_centers ? image::HalfPixelSource(out, scale) : image::LegacySource(out, scale);
  const auto base = static_cast<int64_t>(std::floor(source));
  const float delta = source - static_cast<float>(base);
  const int64_t offset = std::lrint(delta * static_cast<float>(kTableSize));
  const float* table = Coefficients(half_pixel_centers);
  Taps t;
  const float raw[4] = {table[offset * 2 + 1], table[offset * 2], table[(kTableSize - offset) * 2],
                        table[(kTableSize - offset) * 2 + 1]};
  for (int k = 0; k < 4; ++k) t.index[k] = image::Bound(base - 1 + k, limit);
  if (!half_pixel_centers) {
    for (int k = 0; k < 4; ++k) t.w[k] = raw[k];
    return t;
  }
  // Keys cubic: taps that fell outside the image get no weight, the others
  // are renormalized to sum to 1 (as TF's scale_and_translate does).
  for (int k = 0; k < 4; ++k) t.w[k] = t.index[k] == base - 1 + k ? raw[k] : 0.0f;
  const float sum = t.w[0] + t.w[1] + t.w[2] + t.w[3];
  if (std::abs(sum) >= 1000.0f * std::numeric_limits<float>::min()) {
    const float inverse = 1.0f / sum;
    for (float& w : t.w) w *= inverse;
  }
  return t;
}

template <typename T>
Status Resize(KernelContext& ctx) {
  const bool align = ctx.attrs().Get<bool>("align_corners");
  const bool half_pixel = ctx.attrs().Get<bool>("half_pixel_centers");
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
  std::vector<int64_t> columns;
  for (int64_t i = 0; i < in_w; ++i) {
    if (column_used[static_cast<size_t>(i)]) columns.push_back(i);
  }

  const T* in = ctx.input(0).data<T>();
  float* out = output.data<float>();
  const int64_t row_size = in_w * channels;
  const auto cost = static_cast<int64_t>(columns.size() + static_cast<size_t>(out_w)) * channels * 3;
  ctx.ParallelFor(g.batch * g.out_height, cost, [&](int64_t begin, int64_t end) {
    // Cubic along y for every input column the x taps read, then along x.
    std::vector<float> column_values(static_cast<size_t>(row_size));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.out_height, y = task % g.out_height;
      const Taps yt = ComputeTaps(y, g.height_scale, g.in_height, half_pixel);
      const T* image = in + b * g.in_height * row_size;
      const T* r0 = image + yt.index[0] * row_size;
      const T* r1 = image + yt.index[1] * row_size;
      const T* r2 = image + yt.index[2] * row_size;
      const T* r3 = image + yt.index[3] * row_size;
      for (int64_t col : columns) {
        const int64_t o = col * channels;
        float* dst = column_values.data() + o;
        for (int64_t c = 0; c < channels; ++c) {
          dst[c] = static_cast<float>(r0[o + c]) * yt.w[0] + static_cast<float>(r1[o + c]) * yt.w[1] +
                   static_cast<float>(r2[o + c]) * yt.w[2] + static_cast<float>(r3[o + c]) * yt.w[3];
        }
      }
      float* dst = out + task * out_w * channels;
      for (int64_t x = 0; x < out_w; ++x, dst += channels) {
        const Taps& xt = x_taps[static_cast<size_t>(x)];
        const float* v0 = column_values.data() + xt.index[0] * channels;
        const float* v1 = column_values.data() + xt.index[1] * channels;
        const float* v2 = column_values.data() + xt.index[2] * channels;
        const float* v3 = column_values.data() + xt.index[3] * channels;
        for (int64_t c = 0; c < channels; ++c) {
          dst[c] = v0[c] * xt.w[0] + v1[c] * xt.w[1] + v2[c] * xt.w[2] + v3[c] * xt.w[3];
        }
      }
    }
  });
  return Status::Ok();
}

Status ResizeBicubicShape(ShapeContext& ctx) {
  return image::ResizeShape(ctx, ctx.attrs().Get<bool>("align_corners"),
                            ctx.attrs().Get<bool>("half_pixel_centers"));
}

Status ResizeBicubicKernel(KernelContext& ctx) {
  return image::DispatchResizeTypes(ctx.input(0).dtype(),
                                    [&](auto tag) { return Resize<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeBicubic")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Bicubic resize of NHWC images to `size` (tf.image.resize method='bicubic'); "
                              "float output.")
                         .Input("images: T")
                         .Input("size: int32")
                         .Output("resized_images: float")
                         .Attr("T: {int8, uint8, int16, uint16, int32, int64, half, float, double, bfloat16}")
                         .Attr("align_corners: bool = false")
                         .Attr("half_pixel_centers: bool = false")
                         .ShapeRule(ResizeBicubicShape)
                         .Kernel(ResizeBicubicKernel));

}  // namespace
}  // namespace opbridge
