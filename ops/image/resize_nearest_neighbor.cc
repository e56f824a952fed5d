// ResizeNearestNeighbor: TF's nearest-neighbour resize
// (tf.image.resize(method="nearest"), tf.compat.v1.image.
// resize_nearest_neighbor, Keras UpSampling2D). The TFLite converter keeps
// its builtin for the types TFLite's kernel takes and emits CUSTOM
// "ResizeNearestNeighbor" with {T, align_corners, half_pixel_centers} for the
// others (float64 above all); `size` is an int32 input, a constant in
// practice, a dynamic output otherwise.
//
// The input index of output coordinate i is TF's, computed in float:
// src = i * scale (legacy) or (i + 0.5) * scale (half_pixel_centers: no
// -0.5, the floor/round below accounts for it), then roundf(src) with
// align_corners and floorf(src) without, min(in - 1), and max(0) with
// half_pixel_centers. Values are copied, so the output keeps T and every
// bit.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "image_util.h"
#include "opbridge/op.h"
#include "resize_util.h"

namespace opbridge {
namespace {

struct ResizeNearestNeighborParams {
  bool align_corners = false;
  bool half_pixel_centers = false;

  static void Declare(ParamBinder& b, ResizeNearestNeighborParams& p) {
    b.Attr("align_corners: bool = false", &p.align_corners);
    b.Attr("half_pixel_centers: bool = false", &p.half_pixel_centers);
  }
};

// Input index (times `stride`) of every output coordinate along one axis.
std::vector<int64_t> NearestIndices(int64_t out_size, int64_t in_size, float scale, bool align_corners,
                                    bool half_pixel, int64_t stride) {
  std::vector<int64_t> result(static_cast<size_t>(out_size));
  for (int64_t i = 0; i < out_size; ++i) {
    const float src = half_pixel ? (static_cast<float>(i) + 0.5f) * scale : image::LegacySource(i, scale);
    int64_t index = std::min(static_cast<int64_t>(align_corners ? roundf(src) : floorf(src)), in_size - 1);
    if (half_pixel) index = std::max<int64_t>(index, 0);
    result[static_cast<size_t>(i)] = index * stride;
  }
  return result;
}

// Gathers one output row from input row `src`; kChannels > 0 fixes the
// channel count (a single element or an unrolled copy), 0 copies `channels`.
template <int kChannels, typename T>
void GatherRow(const T* __restrict src, const int64_t* xs, int64_t out_w, int64_t channels, T* __restrict dst) {
  if constexpr (kChannels == 1) {
    for (int64_t x = 0; x < out_w; ++x) dst[x] = src[xs[x]];
  } else {
    const int64_t nc = kChannels > 0 ? kChannels : channels;
    for (int64_t x = 0; x < out_w; ++x, dst += nc) std::memcpy(dst, src + xs[x], static_cast<size_t>(nc) * sizeof(T));
  }
}

template <typename T>
Status Resize(KernelContext& ctx, const ResizeNearestNeighborParams& p) {
  image::ResizeGeometry g;
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(image::ResizeSetup(ctx, p.align_corners, p.half_pixel_centers, &g, &output));
  OPBRIDGE_REQUIRE(g.in_height < (int64_t{1} << 24) && g.in_width < (int64_t{1} << 24),
                   "nearest neighbor requires max height & width of 2^24");
  if (output.num_elements() == 0) return Status::Ok();
  const T* in = ctx.input(0).data<T>();
  T* out = output.data<T>();
  const int64_t channels = g.channels, out_w = g.out_width;
  const int64_t in_row = g.in_width * channels, out_row = out_w * channels;

  const std::vector<int64_t> ys =
      NearestIndices(g.out_height, g.in_height, g.height_scale, p.align_corners, p.half_pixel_centers, 1);
  const std::vector<int64_t> xs =
      NearestIndices(out_w, g.in_width, g.width_scale, p.align_corners, p.half_pixel_centers, channels);
  ctx.ParallelFor(g.batch * g.out_height, out_row, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / g.out_height, y = task % g.out_height;
      T* dst = out + task * out_row;
      // Upscaling repeats input rows: a repeat is one copy of the row before.
      if (task > begin && y > 0 && ys[static_cast<size_t>(y)] == ys[static_cast<size_t>(y - 1)]) {
        std::memcpy(dst, dst - out_row, static_cast<size_t>(out_row) * sizeof(T));
        continue;
      }
      const T* src = in + (b * g.in_height + ys[static_cast<size_t>(y)]) * in_row;
      switch (channels) {
        case 1: GatherRow<1>(src, xs.data(), out_w, channels, dst); break;
        case 2: GatherRow<2>(src, xs.data(), out_w, channels, dst); break;
        case 3: GatherRow<3>(src, xs.data(), out_w, channels, dst); break;
        case 4: GatherRow<4>(src, xs.data(), out_w, channels, dst); break;
        default: GatherRow<0>(src, xs.data(), out_w, channels, dst); break;
      }
    }
  });
  return Status::Ok();
}

Status ResizeNearestNeighborShape(ShapeContext& ctx, const ResizeNearestNeighborParams& p) {
  // TF's wording for a wrong rank (the shared rule's generic one says less).
  const Shape& images = ctx.input(0);
  OPBRIDGE_REQUIRE(!images.rank_known() || images.rank() == 4, "input must be 4-dimensional", images.ToString());
  return image::ResizeShape(ctx, p.align_corners, p.half_pixel_centers);
}

Status ResizeNearestNeighborKernel(KernelContext& ctx, const ResizeNearestNeighborParams& p) {
  return image::DispatchResizeTypes(ctx.input(0).dtype(),
                                    [&](auto tag) { return Resize<typename decltype(tag)::type>(ctx, p); });
}

OPBRIDGE_REGISTER_OP(OpSpec("ResizeNearestNeighbor")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Nearest-neighbour resize of NHWC images to `size` (tf.image.resize "
                              "method='nearest'); keeps the input type.")
                         .Input("images: T")
                         .Input("size: int32")
                         .Output("resized_images: T")
                         .Attr("T: {int8, uint8, int16, uint16, int32, int64, half, float, double, bfloat16}")
                         .Params<ResizeNearestNeighborParams>()
                         .ShapeRule(ResizeNearestNeighborShape)
                         .Kernel(ResizeNearestNeighborKernel));

}  // namespace
}  // namespace opbridge
