// Shared by Opbridge>DenseImageWarp, its gradient and the TFLite kernel of
// the converter's "addons:DenseImageWarp" composite: TF Addons'
// dense_image_warp, step by step in the image's type.
//
//   image [B, H, W, C] (H, W >= 2), flow [B, H, W, 2] -> output [B, H, W, C]
//   output[b, y, x] = bilinear sample of image[b] at (y - flow[b,y,x,0], x - flow[b,y,x,1])
//
// Per axis (size n, query q), as TFA's interpolate_bilinear:
//   floor = min(max(0, floor(q)), n - 2), alpha = min(max(0, q - floor), 1),
// so queries outside the image take the edge pixels. The four neighbours mix as
//   top = ax*(tr - tl) + tl, bottom = ax*(br - bl) + bl, out = ay*(bottom - top) + top.
// A NaN flow makes TFA gather at an invalid index and fail: it is an error here too.
#pragma once

#include <cmath>
#include <cstdint>

#include "opbridge/op.h"

namespace opbridge {
namespace warp {

inline Status CheckShapes(const Shape& image, const Shape& flow) {
  OPBRIDGE_REQUIRE(!image.rank_known() || image.rank() == 4, "input 'image' must have rank 4 [batch, height, "
                   "width, channels], got shape ", image.ToString());
  OPBRIDGE_REQUIRE(!flow.rank_known() || flow.rank() == 4, "input 'flow' must have rank 4 [batch, height, width, "
                   "2], got shape ", flow.ToString());
  if (image.rank_known()) {
    OPBRIDGE_REQUIRE(image.dim(1) < 0 || image.dim(1) >= 2, "Grid height must be at least 2 (image shape ",
                     image.ToString(), ")");
    OPBRIDGE_REQUIRE(image.dim(2) < 0 || image.dim(2) >= 2, "Grid width must be at least 2 (image shape ",
                     image.ToString(), ")");
  }
  if (flow.rank_known()) {
    OPBRIDGE_REQUIRE(flow.dim(3) < 0 || flow.dim(3) == 2, "input 'flow' must have 2 channels (dy, dx), got shape ",
                     flow.ToString());
  }
  if (image.rank_known() && flow.rank_known()) {
    for (int d = 0; d < 3; ++d) {
      OPBRIDGE_REQUIRE(image.dim(d) < 0 || flow.dim(d) < 0 || image.dim(d) == flow.dim(d), "input 'flow' ",
                       flow.ToString(), " must match input 'image' ", image.ToString(), " in batch, height and width");
    }
  }
  return Status::Ok();
}

// One axis of a query: the clamped floor, the clamped weight of floor + 1, and
// whether the weight moves with the query (TF's min/max gradients: 0 < q - floor <= 1).
template <typename T>
struct Axis {
  int64_t floor;
  T alpha;
  bool moves;
};

template <typename T>
Axis<T> Locate(T q, int64_t size) {
  T f = std::floor(q);
  f = f > T(0) ? f : T(0);
  const T max_floor = static_cast<T>(size - 2);
  f = f < max_floor ? f : max_floor;
  T a = q - f;
  const bool moves = a > T(0) && a <= T(1);
  a = a > T(0) ? a : T(0);
  a = a < T(1) ? a : T(1);
  return Axis<T>{static_cast<int64_t>(f), a, moves};
}

// Rejects NaN flows (TFA fails on them) before any work.
template <typename T>
Status CheckFlow(const ConstTensor& flow) {
  const T* f = flow.data<T>();
  const int64_t n = flow.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    if (std::isnan(f[i])) {
      const int64_t pixel = i / 2, width = flow.dim(2), height = flow.dim(1);
      return Errorf("flow[", pixel / (width * height), ", ", (pixel / width) % height, ", ", pixel % width, ", ",
                    i % 2, "] is NaN (TF Addons' dense_image_warp fails on it too: its gather index is invalid)");
    }
  }
  return Status::Ok();
}

template <typename T>
Status Warp(KernelContext& ctx) {
  const ConstTensor& image = ctx.input(0);
  const ConstTensor& flow = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(CheckShapes(image.shape(), flow.shape()));
  OPBRIDGE_RETURN_IF_ERROR(CheckFlow<T>(flow));
  const int64_t height = image.dim(1), width = image.dim(2), channels = image.dim(3);
  const int64_t pixels = image.dim(0) * height * width;
  const T* img = image.data<T>();
  const T* fl = flow.data<T>();
  T* out = ctx.output(0).data<T>();
  ctx.ParallelFor(pixels, 6 * channels + 30, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t b = p / (height * width), y = (p / width) % height, x = p % width;
      const Axis<T> ay = Locate<T>(static_cast<T>(y) - fl[2 * p], height);
      const Axis<T> ax = Locate<T>(static_cast<T>(x) - fl[2 * p + 1], width);
      const T* tl = img + ((b * height + ay.floor) * width + ax.floor) * channels;
      const T* tr = tl + channels;
      const T* bl = tl + width * channels;
      const T* br = bl + channels;
      T* dst = out + p * channels;
      for (int64_t c = 0; c < channels; ++c) {
        const T top = ax.alpha * (tr[c] - tl[c]) + tl[c];
        const T bottom = ax.alpha * (br[c] - bl[c]) + bl[c];
        dst[c] = ay.alpha * (bottom - top) + top;
      }
    }
  });
  return Status::Ok();
}

}  // namespace warp
}  // namespace opbridge
