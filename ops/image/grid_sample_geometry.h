// Where a GridSample grid point lands in the image: PyTorch's grid_sample
// coordinate rules (torch.nn.functional.grid_sample), shared by the forward op
// and its gradient op. Sizes are > 0 (the shape rules enforce it).
//
// Non-finite coordinates follow what PyTorch's CPU kernel outputs (measured
// with torch 2.13, docs/ops/grid_sample.md): clipping sends NaN to 0, so with
// border padding NaN lands on the first pixel and with reflection padding NaN
// and +-inf do; with zeros padding a non-finite coordinate reads nothing
// (nearest gives 0, bilinear gives NaN, as its weights are NaN). Bicubic
// gives NaN for a non-finite coordinate with every padding: its weights are
// NaN, and they multiply every tap.
//
// Bicubic differs from the other modes in where padding applies: PyTorch
// unnormalizes without padding, takes the 4x4 taps around floor(index) and
// applies the padding rule to each tap's integer index (BicubicTaps below).
#pragma once

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <string>

#include "opbridge/params.h"

namespace opbridge::grid_sample {

enum class Mode { kBilinear, kNearest, kBicubic };
enum class Padding { kZeros, kBorder, kReflection };

// The attrs of GridSample and of its gradient, declared once for both.
struct Params {
  Mode mode = Mode::kBilinear;
  Padding padding = Padding::kZeros;
  bool align_corners = false;

  static void Declare(ParamBinder& b, Params& p) {
    b.Enum("mode: {'bilinear', 'nearest', 'bicubic'} = 'bilinear'", &p.mode,
           {{"bilinear", Mode::kBilinear}, {"nearest", Mode::kNearest}, {"bicubic", Mode::kBicubic}});
    b.Enum("padding_mode: {'zeros', 'border', 'reflection'} = 'zeros'", &p.padding,
           {{"zeros", Padding::kZeros}, {"border", Padding::kBorder}, {"reflection", Padding::kReflection}});
    b.Attr("align_corners: bool = false", &p.align_corners);
  }
};

// [-1, 1] to pixel index: corner pixel centres (align_corners) or image edges.
// `scale` receives d(index)/d(coord). Written as PyTorch's CPU kernel writes
// it: the same bits as ((coord + 1) * size - 1) / 2, but it overflows to inf
// only where PyTorch's does.
template <typename T>
T Unnormalize(T coord, int64_t size, bool align_corners, T* scale) {
  if (align_corners) {
    *scale = static_cast<T>(size - 1) / 2;
    return (coord + 1) * *scale;
  }
  *scale = static_cast<T>(size) / 2;
  return (coord + 1) * *scale - T(0.5);
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

// Reflect into [twice_low/2, twice_high/2] by folding at the bounds, as
// PyTorch's CPU kernel folds: the remainder modulo twice the span comes from
// a truncated quotient, which, unlike fmod, loses the position for huge
// coordinates (|index| >= 2^24 in float); the result is then clipped to 0
// as PyTorch's is. No integer conversion, so huge and non-finite values are
// defined (non-finite ones give NaN, which clipping sends to 0).
template <typename T>
T Reflect(T in, int64_t twice_low, int64_t twice_high, T* grad) {
  if (twice_low == twice_high) {
    *grad = T(0);
    return T(0);
  }
  const T low = static_cast<T>(twice_low) / 2;
  const T twice_span = static_cast<T>(twice_high - twice_low);
  const T shifted = in - low;
  const T magnitude = std::fabs(shifted);
  const T extra = magnitude - std::trunc(magnitude / twice_span) * twice_span;
  const T folded = twice_span - extra;
  const bool fold = extra > folded;  // false for NaN: NaN stays NaN
  *grad = (fold != (shifted < T(0))) ? T(-1) : T(1);
  return (fold ? folded : extra) + low;
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
__attribute__((always_inline)) inline T SourceIndex(T coord, int64_t size, Padding padding, bool align_corners,
                                                   T* grad) {
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
  Bilinear(T ix, T iy) : Bilinear(ix, iy, static_cast<int64_t>(std::floor(ix)), static_cast<int64_t>(std::floor(iy))) {}
  // With floor(ix) and floor(iy) already taken.
  Bilinear(T ix, T iy, int64_t floor_x, int64_t floor_y) {
    x0 = floor_x;
    y0 = floor_y;
    wx1 = ix - static_cast<T>(x0);
    wx0 = static_cast<T>(x0 + 1) - ix;
    wy1 = iy - static_cast<T>(y0);
    wy0 = static_cast<T>(y0 + 1) - iy;
  }
};

// Keys' cubic convolution weights with A = -0.75 (PyTorch's choice, as in its
// bicubic upsampling) of the taps at floor-1, floor, floor+1, floor+2 for a
// fractional offset t in [0, 1). The polynomials are evaluated in PyTorch's
// Horner order so results round the same way.
template <typename T>
void CubicWeights(T t, T w[4]) {
  const T a = T(-0.75);
  const auto outer = [a](T x) { return ((a * x - T(5) * a) * x + T(8) * a) * x - T(4) * a; };  // 1 < |x| < 2
  const auto inner = [a](T x) { return ((a + T(2)) * x - (a + T(3))) * x * x + T(1); };        // |x| <= 1
  w[0] = outer(t + T(1));
  w[1] = inner(t);
  w[2] = inner(T(1) - t);
  w[3] = outer(T(2) - t);
}

// d(weight)/dt of CubicWeights, for the grid gradient.
template <typename T>
void CubicWeightSlopes(T t, T d[4]) {
  const T a = T(-0.75);
  const auto outer = [a](T x) { return (T(3) * a * x - T(10) * a) * x + T(8) * a; };
  const auto inner = [a](T x) { return (T(3) * (a + T(2)) * x - T(2) * (a + T(3))) * x; };
  d[0] = outer(t + T(1));
  d[1] = inner(t);
  d[2] = -inner(T(1) - t);
  d[3] = -outer(T(2) - t);
}

// The pixel one bicubic tap (an integer-valued index) reads after padding,
// or -1 if it reads nothing (zeros padding, outside the image). Border and
// reflection clip NaN to 0, so a non-finite tap reads pixel 0 or the last.
template <typename T>
int64_t TapIndex(T tap, int64_t size, Padding padding, bool align_corners) {
  T unused;
  if (padding == Padding::kBorder) {
    tap = Clip(tap, size, &unused);
  } else if (padding == Padding::kReflection) {
    tap = align_corners ? Reflect(tap, 0, 2 * (size - 1), &unused) : Reflect(tap, -1, 2 * size - 1, &unused);
    tap = Clip(tap, size, &unused);
  }
  const auto index = static_cast<int64_t>(SafeIndex(tap));
  return index >= 0 && index < size ? index : -1;
}

// The 4x4 taps of an unnormalized (unpadded) index pair and their weights.
// xs/ys hold the padded pixel indices (-1: reads nothing); `finite` is false
// when a coordinate is non-finite, and then the weights are NaN.
template <typename T>
struct BicubicTaps {
  int64_t xs[4], ys[4];
  T wx[4], wy[4];
  T tx, ty;  // fractional offsets, for the weight slopes
  bool finite;
  BicubicTaps(T ix, T iy, int64_t width, int64_t height, Padding padding, bool align_corners) {
    const T x0 = std::floor(ix), y0 = std::floor(iy);
    tx = ix - x0;
    ty = iy - y0;
    finite = std::isfinite(ix) && std::isfinite(iy);
    CubicWeights(tx, wx);
    CubicWeights(ty, wy);
    // Taps all inside the image are their own indices under every padding
    // (clipping and reflecting leave [0, size - 1] alone): most points of a
    // grid skip TapIndex's padding arithmetic, a quarter of the kernel's time.
    // False for NaN.
    const bool inside_x = x0 >= T(1) && x0 <= T(width - 3);
    const bool inside_y = y0 >= T(1) && y0 <= T(height - 3);
    for (int k = 0; k < 4; ++k) {
      // Tap positions stay in T, as in PyTorch (they round alike beyond 2^24 in float).
      xs[k] = inside_x ? static_cast<int64_t>(x0) + k - 1 : TapIndex(x0 + T(k - 1), width, padding, align_corners);
      ys[k] = inside_y ? static_cast<int64_t>(y0) + k - 1 : TapIndex(y0 + T(k - 1), height, padding, align_corners);
    }
  }
};

}  // namespace opbridge::grid_sample
