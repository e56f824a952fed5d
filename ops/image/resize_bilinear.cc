// ResizeBilinear: TF's bilinear resize (tf.image.resize(method="bilinear"),
// tf.compat.v1.image.resize_bilinear, Keras UpSampling2D/Resizing with
// interpolation="bilinear"). The TFLite converter keeps its builtin for the
// types TFLite's kernel takes and emits CUSTOM "ResizeBilinear" with
// {T, align_corners, half_pixel_centers} for the others (float64 above all);
// `size` is an int32 input, a constant in practice, a dynamic output
// otherwise.
//
// Same arithmetic as TF's CPU kernel, so every type is bit-exact: the scale
// and source coordinate in float, lower = max(floor(src), 0),
// upper = min(ceil(src), in - 1), lerp = src - floor(src) (from the unclamped
// floor), each input value converted to float first, then
//   top = tl + (tr - tl) * x_lerp, bottom = bl + (br - bl) * x_lerp,
//   out = top + (bottom - top) * y_lerp
// in float (no FMA: the x86-64 baseline has none). A resize to the input's
// own size is a plain cast, as in TF (so an inf stays inf instead of becoming
// the NaN that inf - inf would give). The output is float whatever T is.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_util.h"

namespace opbridge {
namespace {

struct ResizeBilinearParams {
  bool align_corners = false;
  bool half_pixel_centers = false;

  static void Declare(ParamBinder& b, ResizeBilinearParams& p) {
    b.Attr("align_corners: bool = false", &p.align_corners);
    b.Attr("half_pixel_centers: bool = false", &p.half_pixel_centers);
  }
};

// One output coordinate's two input taps (element offsets along x, rows
// along y) and its interpolation weight.
struct Interpolation {
  int64_t lower = 0, upper = 0;
  float lerp = 0;
};

std::vector<Interpolation> Interpolations(int64_t out_size, int64_t in_size, float scale, bool half_pixel,
                                          int64_t stride) {
  std::vector<Interpolation> result(static_cast<size_t>(out_size));
  for (int64_t i = 0; i < out_size; ++i) {
    const float src = half_pixel ? image::HalfPixelSource(i, scale) : image::LegacySource(i, scale);
    const float src_floor = std::floor(src);
    Interpolation& r = result[static_cast<size_t>(i)];
    r.lower = std::max<int64_t>(static_cast<int64_t>(src_floor), 0) * stride;
    r.upper = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in_size - 1) * stride;
    r.lerp = src - src_floor;
  }
  return result;
}

// The x pass of one input row: dst[x][c] = left + (right - left) * x_lerp,
// TF's `top` (or `bottom`) term, each value converted to float first.
// kChannels > 0 fixes the channel count at compile time (the channel loop
// unrolled), 0 takes `channels`. Lane-wise IEEE arithmetic in TF's order, so
// vectorizing changes no bit.
template <int kChannels, typename T>
void InterpolateColumns(const T* __restrict row, const Interpolation* xs, int64_t out_w, int64_t channels,
                        float* __restrict dst) {
  const int64_t nc = kChannels > 0 ? kChannels : channels;
  for (int64_t x = 0; x < out_w; ++x, dst += nc) {
    const T* __restrict left = row + xs[x].lower;
    const T* __restrict right = row + xs[x].upper;
    const float x_lerp = xs[x].lerp;
    for (int64_t c = 0; c < nc; ++c) {
      const float l = static_cast<float>(left[c]);
      dst[c] = l + (static_cast<float>(right[c]) - l) * x_lerp;
    }
  }
}

template <typename T>
void InterpolateColumns(const T* row, const Interpolation* xs, int64_t out_w, int64_t channels, float* dst) {
  switch (channels) {
    case 1: InterpolateColumns<1>(row, xs, out_w, channels, dst); break;
    case 2: InterpolateColumns<2>(row, xs, out_w, channels, dst); break;
    case 3: InterpolateColumns<3>(row, xs, out_w, channels, dst); break;
    case 4: InterpolateColumns<4>(row, xs, out_w, channels, dst); break;
    default: InterpolateColumns<0>(row, xs, out_w, channels, dst); break;
  }
}

template <typename T>
Status Resize(KernelContext& ctx, const ResizeBilinearParams& p) {
  image::ResizeGeometry g;
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::ResizeSetup(ctx, p.align_corners, p.half_pixel_centers, &g, &output));
  if (output.num_elements() == 0) return Status::Ok();
  const T* in = ctx.input(0).data<T>();
  float* out = output.data<float>();
  const int64_t channels = g.channels, out_w = g.out_width;
  const int64_t in_row = g.in_width * channels, out_row = out_w * channels;

  if (g.out_height == g.in_height && g.out_width == g.in_width) {
    // TF's shortcut for a same-size resize: a cast, no interpolation.
    ctx.ParallelFor(output.num_elements(), 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = static_cast<float>(in[i]);
    });
    return Status::Ok();
  }

  const std::vector<Interpolation> ys =
      Interpolations(g.out_height, g.in_height, g.height_scale, p.half_pixel_centers, 1);
  const std::vector<Interpolation> xs =
      Interpolations(out_w, g.in_width, g.width_scale, p.half_pixel_centers, channels);
  // Each output row is top + (bottom - top) * y_lerp of two x-interpolated
  // input rows. Neighbouring output rows mostly read the same input rows, so
  // a task keeps the last two x-interpolated rows and computes each once
  // (when upscaling 2x: half the x passes of interpolating per output row).
  ctx.ParallelFor(g.batch * g.out_height, out_row * 3, [&](int64_t begin, int64_t end) {
    std::vector<float> buffers[2] = {std::vector<float>(static_cast<size_t>(out_row)),
                                     std::vector<float>(static_cast<size_t>(out_row))};
    int64_t cached[2] = {-1, -1};  // the input row (b * in_height + y) each buffer holds
    // The x-interpolated input row `row`, computed into the buffer that does
    // not hold `keep` unless already cached.
    auto x_pass = [&](int64_t row, int64_t keep) -> const float* {
      for (int k = 0; k < 2; ++k) {
        if (cached[k] == row) return buffers[k].data();
      }
      const int k = cached[0] == keep ? 1 : 0;
      InterpolateColumns(in + row * in_row, xs.data(), out_w, channels, buffers[k].data());
      cached[k] = row;
      return buffers[k].data();
    };
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.out_height, y = task % g.out_height;
      const Interpolation& yi = ys[static_cast<size_t>(y)];
      const int64_t lower = b * g.in_height + yi.lower, upper = b * g.in_height + yi.upper;
      const float* __restrict top = x_pass(lower, upper);
      const float* __restrict bottom = x_pass(upper, lower);
      float* __restrict dst = out + task * out_row;
      const float y_lerp = yi.lerp;
      for (int64_t i = 0; i < out_row; ++i) dst[i] = top[i] + (bottom[i] - top[i]) * y_lerp;
    }
  });
  return Status::Ok();
}

Status ResizeBilinearShape(ShapeContext& ctx, const ResizeBilinearParams& p) {
  // TF's wording for a wrong rank (the shared rule's generic one says less).
  const Shape& images = ctx.input(0);
  OPBRIDGE_REQUIRE(!images.rank_known() || images.rank() == 4, "input must be 4-dimensional", images.ToString());
  return image::ResizeShape(ctx, p.align_corners, p.half_pixel_centers);
}

Status ResizeBilinearKernel(KernelContext& ctx, const ResizeBilinearParams& p) {
  return image::DispatchResizeTypes(ctx.input(0).dtype(),
                                    [&](auto tag) { return Resize<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeBilinear")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Bilinear resize of NHWC images to `size` (tf.image.resize method='bilinear'); "
                              "float output.")
                         .Input("images: T")
                         .Input("size: int32")
                         .Output("resized_images: float")
                         .Attr("T: {int8, uint8, int16, uint16, int32, int64, bfloat16, half, float, double}")
                         .Params<ResizeBilinearParams>()
                         .ShapeRule(ResizeBilinearShape)
                         .Kernel(ResizeBilinearKernel));

}  // namespace
}  // namespace opbridge
