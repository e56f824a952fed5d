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
#include <utility>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
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
