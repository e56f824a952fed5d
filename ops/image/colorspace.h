// RGB <-> HSV per pixel, with the arithmetic of TF's colorspace kernels
// (tensorflow/core/kernels/image/colorspace_op.h), shared by RGBToHSV,
// HSVToRGB and their tests' expectations. T is float, double, Eigen::half or
// Eigen::bfloat16; with the 16-bit types every operation rounds, as in TF.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <limits>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge::image {

// max and min as Eigen's scalar_max_op / scalar_min_op compute them
// (std::max(a, b) is a < b ? b : a), folded over (r, g, b) the way TF's
// channel reduction does: from -inf (+inf), new value first. So a NaN
// channel propagates only when it is the last, and max(inf, inf, inf) minus
// min gives NaN.
template <typename T>
inline T Max3(T r, T g, T b) {
  T m = -Eigen::NumTraits<T>::infinity();
  for (T v : {r, g, b}) m = v < m ? m : v;
  return m;
}
template <typename T>
inline T Min3(T r, T g, T b) {
  T m = Eigen::NumTraits<T>::infinity();
  for (T v : {r, g, b}) m = m < v ? m : v;
  return m;
}

template <typename T>
inline void RgbToHsv(const T* rgb, T* hsv) {
  const T r = rgb[0], g = rgb[1], b = rgb[2];
  const T v = Max3(r, g, b);
  const T range = v - Min3(r, g, b);
  const T s = v > T(0) ? T(range / v) : T(0);
  const T norm = T(T(T(1) / range) * T(T(1) / T(6)));
  T h = r == v   ? T(norm * T(g - b))
        : g == v ? T(T(norm * T(b - r)) + T(T(2) / T(6)))
                 : T(T(norm * T(r - g)) + T(T(4) / T(6)));
  h = range > T(0) ? h : T(0);
  h = h < T(0) ? T(h + T(1)) : h;
  hsv[0] = h;
  hsv[1] = s;
  hsv[2] = v;
}

// The same for four float pixels at once, branch-free.
inline void RgbToHsv4(const float* rgb, float* hsv) {
  Float4 r, g, b;
  Load3x4(rgb, &r, &g, &b);
  const float inf = std::numeric_limits<float>::infinity();
  Float4 v = {-inf, -inf, -inf, -inf}, lo = {inf, inf, inf, inf};
  for (const Float4& x : {r, g, b}) {
    v = x < v ? v : x;
    lo = lo < x ? lo : x;
  }
  const Float4 zero = {0, 0, 0, 0};
  const Float4 range = v - lo;
  const Float4 s = v > zero ? range / v : zero;
  const Float4 norm = (1.0f / range) * (1.0f / 6.0f);
  Float4 h = r == v ? norm * (g - b) : g == v ? norm * (b - r) + 2.0f / 6.0f : norm * (r - g) + 4.0f / 6.0f;
  h = range > zero ? h : zero;
  h = h < zero ? h + 1.0f : h;
  Store3x4(h, s, v, hsv);
}

// x clamped to [0, 1] as Eigen's cwiseMax(0).cwiseMin(1) does.
template <typename T>
inline T Clamp01(T x) {
  x = x < T(0) ? T(0) : x;   // scalar_max_op(x, 0): x < 0 ? 0 : x
  return T(1) < x ? T(1) : x;  // scalar_min_op(x, 1): 1 < x ? 1 : x
}

template <typename T>
inline void HsvToRgb(const T* hsv, T* rgb) {
  const T h = hsv[0], s = hsv[1], v = hsv[2];
  const T dh = T(h * T(6));
  const T dr = Clamp01(T(Eigen::numext::abs(T(dh - T(3))) - T(1)));
  const T dg = Clamp01(T(T(-Eigen::numext::abs(T(dh - T(2)))) + T(2)));
  const T db = Clamp01(T(T(-Eigen::numext::abs(T(dh - T(4)))) + T(2)));
  const T one_s = T(T(-s) + T(1));
  rgb[0] = T(T(one_s + T(s * dr)) * v);
  rgb[1] = T(T(one_s + T(s * dg)) * v);
  rgb[2] = T(T(one_s + T(s * db)) * v);
}

// The same for four float pixels at once, branch-free (the scalar clamps
// compile to mispredicted branches).
inline void HsvToRgb4(const float* hsv, float* rgb) {
  Float4 h, s, v;
  Load3x4(hsv, &h, &s, &v);
  const auto clamp01 = [](Float4 x) {
    const Float4 zero = {0, 0, 0, 0}, one = {1, 1, 1, 1};
    x = x < zero ? zero : x;
    return one < x ? one : x;
  };
  const Float4 dh = h * 6.0f;
  const Float4 dr = clamp01(Abs(dh - 3.0f) - 1.0f);
  const Float4 dg = clamp01(-Abs(dh - 2.0f) + 2.0f);
  const Float4 db = clamp01(-Abs(dh - 4.0f) + 2.0f);
  const Float4 one_s = -s + 1.0f;
  Store3x4((one_s + s * dr) * v, (one_s + s * dg) * v, (one_s + s * db) * v, rgb);
}

// Shape rule and checks shared by the two ops: rank >= 1, last dim 3.
inline Status ColorspaceShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (in.rank_known()) {
    OPBRIDGE_REQUIRE(in.rank() >= 1, "input must be at least 1D, got shape ", in.ToString());
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-1) == 3,
                     "input must have 3 channels but input only has ", in.dim(-1), " channels.");
  }
  ctx.set_output(0, in);
  return Status::Ok();
}

template <typename Convert>
Status ConvertPixels(KernelContext& ctx, Convert convert) {
  return DispatchWith16BitFloats<float, double>(ctx.input(0).dtype(), true, true, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = ctx.input(0).data<T>();
    T* out = ctx.output(0).data<T>();
    ctx.ParallelFor(ctx.input(0).num_elements() / 3, 20, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) convert(in + 3 * p, out + 3 * p);
    });
    return Status::Ok();
  });
}

}  // namespace opbridge::image
