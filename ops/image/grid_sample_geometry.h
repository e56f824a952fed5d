// Where a GridSample grid point lands in the image: PyTorch's grid_sample
// coordinate rules (torch.nn.functional.grid_sample), shared by the forward op
// and its gradient op. Sizes are > 0 (the shape rules enforce it).
//
// Non-finite coordinates follow what PyTorch's CPU kernel outputs (measured
// with torch 2.13, docs/ops/grid_sample.md): clipping sends NaN to 0, so with
// border padding NaN lands on the first pixel and with reflection padding NaN
// and +-inf do; with zeros padding a non-finite coordinate reads nothing
// (nearest gives 0, bilinear gives NaN, as its weights are NaN).
#pragma once

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>

#include "opbridge/params.h"

namespace opbridge::grid_sample {

enum class Mode { kBilinear, kNearest };
enum class Padding { kZeros, kBorder, kReflection };

// The attrs of GridSample and of its gradient, declared once for both.
struct Params {
  Mode mode = Mode::kBilinear;
  Padding padding = Padding::kZeros;
  bool align_corners = false;

  static void Declare(ParamBinder& b, Params& p) {
    b.Enum("mode: {'bilinear', 'nearest'} = 'bilinear'", &p.mode,
           {{"bilinear", Mode::kBilinear}, {"nearest", Mode::kNearest}});
    b.Enum("padding_mode: {'zeros', 'border', 'reflection'} = 'zeros'", &p.padding,
           {{"zeros", Padding::kZeros}, {"border", Padding::kBorder}, {"reflection", Padding::kReflection}});
    b.Attr("align_corners: bool = false", &p.align_corners);
  }
};

// [-1, 1] to pixel index: corner pixel centres (align_corners) or image edges.
// `scale` receives d(index)/d(coord).
template <typename T>
T Unnormalize(T coord, int64_t size, bool align_corners, T* scale) {
  if (align_corners) {
    *scale = static_cast<T>(size - 1) / 2;
    return ((coord + 1) / 2) * static_cast<T>(size - 1);
  }
  *scale = static_cast<T>(size) / 2;
  return ((coord + 1) * static_cast<T>(size) - 1) / 2;
}

// Clip to [0, size-1]; NaN goes to 0 as in PyTorch's CPU kernel. The
// gradient is 0 at and beyond the borders.
template <typename T>
T Clip(T in, int64_t size, T* grad) {
  const T limit = static_cast<T>(size - 1);
  *grad = (in > T(0) && in < limit) ? T(1) : T(0);
  if (!(in > T(0))) return T(0);
  return in < limit ? in : limit;
}

// Reflect into [twice_low/2, twice_high/2] by folding at the bounds.
template <typename T>
T Reflect(T in, int64_t twice_low, int64_t twice_high, T* grad) {
  if (twice_low == twice_high) {
    *grad = T(0);
    return T(0);
  }
  const T low = static_cast<T>(twice_low) / 2;
  const T span = static_cast<T>(twice_high - twice_low) / 2;
  T sign = T(1);
  in = in - low;
  if (in < T(0)) {
    sign = T(-1);
    in = -in;
  }
  const T extra = std::fmod(in, span);
  const auto flips = static_cast<int64_t>(std::floor(in / span));
  if (flips % 2 == 0) {
    *grad = sign;
    return extra + low;
  }
  *grad = -sign;
  return span - extra + low;
}

// Before an index becomes an integer: non-finite or out-of-int-range values
// become -100, outside the image (converting them would be undefined).
template <typename T>
T SafeIndex(T x) {
  if (!std::isfinite(x) || std::trunc(x) > static_cast<T>(INT_MAX - 1) || x < static_cast<T>(INT_MIN)) {
    return T(-100);
  }
  return x;
}

// Source index along one axis and d(index)/d(coord). Finite except with zeros
// padding, where a non-finite coordinate stays non-finite (the caller decides).
template <typename T>
T SourceIndex(T coord, int64_t size, Padding padding, bool align_corners, T* grad) {
  T scale;
  T index = Unnormalize(coord, size, align_corners, &scale);
  T g_clip = T(1), g_reflect = T(1);
  if (padding == Padding::kBorder) {
    index = Clip(index, size, &g_clip);
  } else if (padding == Padding::kReflection) {
    index = align_corners ? Reflect(index, 0, 2 * (size - 1), &g_reflect)
                          : Reflect(index, -1, 2 * size - 1, &g_reflect);
    index = Clip(index, size, &g_clip);
  }
  *grad = std::isfinite(index) ? scale * g_reflect * g_clip : T(0);
  return index;
}

inline bool InBounds(int64_t y, int64_t x, int64_t height, int64_t width) {
  return y >= 0 && y < height && x >= 0 && x < width;
}

// The four bilinear neighbours of (iy, ix) and their weights, in PyTorch's
// order (nw, ne, sw, se) so sums accumulate in the same order.
template <typename T>
struct Bilinear {
  int64_t x0, y0;
  T wx0, wx1, wy0, wy1;
  Bilinear(T ix, T iy) {
    x0 = static_cast<int64_t>(std::floor(ix));
    y0 = static_cast<int64_t>(std::floor(iy));
    wx1 = ix - static_cast<T>(x0);
    wx0 = static_cast<T>(x0 + 1) - ix;
    wy1 = iy - static_cast<T>(y0);
    wy0 = static_cast<T>(y0 + 1) - iy;
  }
};

}  // namespace opbridge::grid_sample
