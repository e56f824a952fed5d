// What ExtractGlimpse and ExtractGlimpseV2 share (TF's attention_ops.cc and
// eigen_attention.h): one kernel, the op's version choosing how offsets
// become a window corner.
//
// For image b, the offset pair (y, x) becomes a top-left corner in float:
//  - V2: normalized -> times the image size; normalized and centered -> then
//    halved, plus half the image size, minus half the window; not normalized
//    but centered -> plus half the image size only (no window shift);
//  - V1: normalized -> times the image size; centered -> halved plus half the
//    image size; then always minus half the window.
// The corner is truncated toward zero to an int64 (x86's conversion: NaN and
// values out of int64's range become INT64_MIN, far outside). A window fully
// inside the image (corner >= 0 and corner + size < image size, TF's strict
// test) is copied; otherwise the whole window is first filled with noise and
// the part over the image copied on top:
//  - 'zero': 0, bitwise TF's;
//  - 'uniform' (or '' with uniform_noise): min + u * (max - min) over image
//    b's values, u uniform in [0, 1);
//  - 'gaussian' (or '' without uniform_noise): per channel, mean + n * sigma
//    (population sigma) clamped to [min, max] of that channel.
// TF draws its noise from Eigen's generators seeded anew each run, so it is
// not reproducible; here the draws come from a fixed Philox stream per output
// row (reproducible, independent of threads), with the same distributions.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../random/philox.h"
#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace image {

enum class GlimpseNoise { kUniform, kGaussian, kZero };

struct GlimpseParams {
  bool centered = true;
  bool normalized = true;
  bool uniform_noise = true;
  std::string noise = "uniform";

  static void Declare(ParamBinder& b, GlimpseParams& p) {
    b.Attr("centered: bool = true", &p.centered);
    b.Attr("normalized: bool = true", &p.normalized);
    b.Attr("uniform_noise: bool = true", &p.uniform_noise);
    b.Attr("noise: string = 'uniform'", &p.noise);
  }
  // TF's constructor checks, with its texts.
  Status Validate() const {
    OPBRIDGE_REQUIRE(!(uniform_noise && !noise.empty() && noise != "uniform"),
                     "The uniform_noise and noise could not be specified at the same time");
    OPBRIDGE_REQUIRE(noise.empty() || noise == "uniform" || noise == "gaussian" || noise == "zero",
                     "The noise could only be uniform, gaussian, or zero, got", noise);
    return Status::Ok();
  }
  GlimpseNoise Mode() const {
    if (noise.empty()) return uniform_noise ? GlimpseNoise::kUniform : GlimpseNoise::kGaussian;
    if (noise == "uniform") return GlimpseNoise::kUniform;
    return noise == "gaussian" ? GlimpseNoise::kGaussian : GlimpseNoise::kZero;
  }
};

inline Status GlimpseShape(ShapeContext& ctx, const GlimpseParams&) {
  const Shape& input = ctx.input(0);
  OPBRIDGE_REQUIRE(!input.rank_known() || input.rank() == 4,
                   "input must be 4-dimensional (batch_size, height, width, depth)", input.ToString());
  const Shape& size = ctx.input(1);
  OPBRIDGE_REQUIRE(!size.rank_known() || (size.rank() == 1 && (size.dim(0) == kUnknownDim || size.dim(0) == 2)),
                   "input must be a vector of size 2 (height, width)", size.ToString());
  int64_t h = kUnknownDim, w = kUnknownDim;
  OPBRIDGE_RETURN_IF_ERROR(KnownIntPair(ctx, 1, "size", &h, &w));
  if (h == kUnknownDim || !input.rank_known()) {
    ctx.set_output(0, input.rank_known() ? Shape({input.dim(0), -1, -1, input.dim(3)}) : Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(h >= 0 && w >= 0, "Dimension ", std::min(h, w), " must be >= 0");
  ctx.set_output(0, Shape({input.dim(0), h, w, input.dim(3)}));
  return Status::Ok();
}

// x86's float -> int64 conversion, written out (a plain cast of NaN or an
// out-of-range value is undefined behaviour in C++).
inline int64_t TruncToIndex(float v) {
  if (!(v >= -9.223372e18f && v < 9.223372e18f)) return INT64_MIN;
  return static_cast<int64_t>(v);
}

// Where window b sits: the output span [base, base + extent) along one axis
// takes the input span [start, start + extent); partial when noise shows.
struct GlimpseAxis {
  int64_t start = 0, base = 0, extent = 0;
  bool partial = false;
};

inline GlimpseAxis PlaceAxis(int64_t corner, int64_t window, int64_t image) {
  GlimpseAxis a;
  a.start = corner;
  a.extent = window;
  if (corner < 0) {
    a.start = 0;
    a.extent = std::max<int64_t>(0, window + corner);
    a.base = window - a.extent;
    a.partial = true;
  } else if (corner + window >= image) {
    a.extent = std::max<int64_t>(0, image - corner);
    a.partial = true;
  }
  a.extent = std::min(image, a.extent);
  return a;
}

// Per-image (uniform) or per-channel (gaussian) statistics of the noise.
struct NoiseStats {
  std::vector<float> lo, hi, mean, sigma;
};

inline NoiseStats GlimpseStats(const float* img, int64_t pixels, int64_t depth, GlimpseNoise mode) {
  NoiseStats s;
  if (mode == GlimpseNoise::kUniform) {
    float lo = img[0], hi = img[0];
    for (int64_t i = 1; i < pixels * depth; ++i) {
      lo = std::min(lo, img[i]);
      hi = std::max(hi, img[i]);
    }
    s.lo.assign(1, lo);
    s.hi.assign(1, hi);
    return s;
  }
  s.lo.assign(static_cast<size_t>(depth), img[0]);
  s.hi = s.lo;
  std::vector<double> sum(static_cast<size_t>(depth), 0.0), sq(static_cast<size_t>(depth), 0.0);
  for (int64_t c = 0; c < depth; ++c) s.lo[c] = s.hi[c] = img[c];
  for (int64_t p = 0; p < pixels; ++p) {
    for (int64_t c = 0; c < depth; ++c) {
      const float v = img[p * depth + c];
      s.lo[c] = std::min(s.lo[c], v);
      s.hi[c] = std::max(s.hi[c], v);
      sum[c] += v;
    }
  }
  s.mean.resize(static_cast<size_t>(depth));
  s.sigma.resize(static_cast<size_t>(depth));
  for (int64_t c = 0; c < depth; ++c) s.mean[c] = static_cast<float>(sum[c] / static_cast<double>(pixels));
  for (int64_t p = 0; p < pixels; ++p) {
    for (int64_t c = 0; c < depth; ++c) {
      const double d = static_cast<double>(img[p * depth + c]) - s.mean[c];
      sq[c] += d * d;
    }
  }
  for (int64_t c = 0; c < depth; ++c) s.sigma[c] = static_cast<float>(std::sqrt(sq[c] / static_cast<double>(pixels)));
  return s;
}

// One output row of noise (w * depth values), from Philox stream `row`.
inline void NoiseRow(float* out, int64_t w, int64_t depth, GlimpseNoise mode, const NoiseStats& s, uint64_t row) {
  const int64_t n = w * depth;
  if (mode == GlimpseNoise::kZero) {
    std::fill(out, out + n, 0.0f);
    return;
  }
  const uint64_t counter[2] = {row, 0x676c696d70736521ull};  // a fixed stream per row
  random::Philox gen = random::Philox::FromKeyCounter(0x6f70627269646765ull, counter);
  random::Philox::Block block{};
  int used = 4;
  auto next = [&]() {
    if (used == 4) {
      block = gen();
      used = 0;
    }
    return block[static_cast<size_t>(used++)];
  };
  if (mode == GlimpseNoise::kUniform) {
    const float range = s.hi[0] - s.lo[0];
    for (int64_t i = 0; i < n; ++i) out[i] = s.lo[0] + random::Uint32ToFloat(next()) * range;
    return;
  }
  for (int64_t i = 0; i < n; i += 2) {
    float z0, z1;
    const uint32_t a = next(), b = next();
    random::BoxMullerFloat(a, b, &z0, &z1);
    for (int k = 0; k < 2 && i + k < n; ++k) {
      const auto c = static_cast<size_t>((i + k) % depth);
      const float v = s.mean[c] + (k == 0 ? z0 : z1) * s.sigma[c];
      out[i + k] = std::max(std::min(v, s.hi[c]), s.lo[c]);
    }
  }
}

inline Status GlimpseKernel(KernelContext& ctx, const GlimpseParams& p, int version) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& size = ctx.input(1);
  const ConstTensor& offsets = ctx.input(2);
  OPBRIDGE_REQUIRE(input.rank() == 4, "input must be 4-dimensional (batch_size, height, width, depth)",
                   input.shape().ToString());
  OPBRIDGE_REQUIRE(size.rank() == 1 && size.dim(0) == 2, "input must be a vector of size 2 (height, width)",
                   size.shape().ToString());
  const int64_t out_h = size.data<int32_t>()[0], out_w = size.data<int32_t>()[1];
  OPBRIDGE_REQUIRE(out_h >= 0, "Dimension ", out_h, " must be >= 0");
  OPBRIDGE_REQUIRE(out_w >= 0, "Dimension ", out_w, " must be >= 0");
  const int64_t batch = input.dim(0), in_h = input.dim(1), in_w = input.dim(2), depth = input.dim(3);
  OPBRIDGE_REQUIRE(offsets.rank() == 2, "input must be a matrix", offsets.shape().ToString());
  OPBRIDGE_REQUIRE(offsets.dim(0) == batch, "first dimension should be batch", offsets.shape().ToString());
  OPBRIDGE_REQUIRE(offsets.dim(1) == 2, "second dimension should be of size 2 (y,x)", offsets.shape().ToString());
  Tensor output;
  OPBRIDGE_RETURN_IF_ERROR(OutputWithShape(ctx, 0, Shape({batch, out_h, out_w, depth}), &output));
  if (output.num_elements() == 0) return Status::Ok();
  const GlimpseNoise mode = p.Mode();
  const float* in = input.data<float>();
  const float* off = offsets.data<float>();
  float* out = output.data<float>();
  std::vector<GlimpseAxis> ys(static_cast<size_t>(batch)), xs(static_cast<size_t>(batch));
  std::vector<NoiseStats> stats(static_cast<size_t>(batch));
  const auto fw = static_cast<float>(in_w), fh = static_cast<float>(in_h);
  for (int64_t b = 0; b < batch; ++b) {
    float y = off[2 * b], x = off[2 * b + 1];
    if (p.normalized) {
      x *= fw;
      y *= fh;
    }
    const bool shift_window = version == 1 || (p.normalized && p.centered);
    if (p.centered && (version == 1 || p.normalized)) {
      x /= 2.0f;
      y /= 2.0f;
    }
    if (p.centered) {
      x += fw / 2.0f;
      y += fh / 2.0f;
    }
    if (shift_window) {
      x -= static_cast<float>(out_w) / 2.0f;
      y -= static_cast<float>(out_h) / 2.0f;
    }
    xs[b] = PlaceAxis(TruncToIndex(x), out_w, in_w);
    ys[b] = PlaceAxis(TruncToIndex(y), out_h, in_h);
    // TF computes these over an image it asserts non-empty; with an empty
    // image there is nothing to take them from (and nothing to copy).
    if ((xs[b].partial || ys[b].partial) && mode != GlimpseNoise::kZero && in_h * in_w > 0) {
      stats[b] = GlimpseStats(in + b * in_h * in_w * depth, in_h * in_w, depth, mode);
    }
  }
  OPBRIDGE_REQUIRE(mode == GlimpseNoise::kZero || in_h * in_w > 0 ||
                       std::none_of(xs.begin(), xs.end(), [](const GlimpseAxis& a) { return a.partial; }),
                   "input 'input' has an empty image (shape ", input.shape().ToString(),
                   "): no values to draw noise from");
  const int64_t row_len = out_w * depth;
  ctx.ParallelFor(batch * out_h, row_len + 10, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / out_h, oy = r % out_h;
      const GlimpseAxis& ax = xs[b];
      const GlimpseAxis& ay = ys[b];
      float* dst = out + r * row_len;
      const bool partial = ax.partial || ay.partial;
      const bool row_in = oy >= ay.base && oy < ay.base + ay.extent && ax.extent > 0;
      if (partial) {
        if (mode == GlimpseNoise::kZero || in_h * in_w == 0) {
          std::fill(dst, dst + row_len, 0.0f);
        } else if (!row_in || ax.extent < out_w) {
          NoiseRow(dst, out_w, depth, mode, stats[b], static_cast<uint64_t>(r));
        }
      }
      if (!row_in) continue;
      const int64_t iy = ay.start + (oy - ay.base);
      const float* src = in + ((b * in_h + iy) * in_w + ax.start) * depth;
      std::copy(src, src + ax.extent * depth, dst + ax.base * depth);
    }
  });
  return Status::Ok();
}

}  // namespace image
}  // namespace opbridge
