// Opbridge>GridSample: sample an image at normalized grid points, with the
// semantics of PyTorch's torch.nn.functional.grid_sample (2-D), in NHWC.
//
//   image [N, H, W, C], grid [N, Ho, Wo, 2] holding (x, y) in [-1, 1]
//   -> output [N, Ho, Wo, C]
// mode: bilinear | nearest (nearbyint: halves round to even) | bicubic (4x4
// taps, Keys' cubic with A = -0.75, padding applied to each tap);
// padding_mode: zeros | border | reflection; align_corners as in PyTorch.
// Gradients for image and grid come from Opbridge>GridSampleGrad.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../math/avx2_dispatch.h"
#include "../math/lanes_avx2.h"
#include "grid_sample_geometry.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using namespace grid_sample;  // NOLINT

Status GridSampleShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireDimEquals(1, 3, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, 0, 1, 0));
  const Shape& image = ctx.input(0);
  const Shape& grid = ctx.input(1);
  if (image.rank_known()) {
    OPBRIDGE_REQUIRE(image.dim(1) != 0 && image.dim(2) != 0, "input 'image' must have non-empty spatial dims, got ",
                     image.ToString());
  }
  Shape out = Shape::UnknownRank();
  if (image.rank_known() || grid.rank_known()) {
    const int64_t n = image.rank_known() && image.dim(0) >= 0 ? image.dim(0)
                      : grid.rank_known()                      ? grid.dim(0)
                                                               : kUnknownDim;
    out = Shape({n, grid.rank_known() ? grid.dim(1) : kUnknownDim, grid.rank_known() ? grid.dim(2) : kUnknownDim,
                 image.rank_known() ? image.dim(3) : kUnknownDim});
  }
  ctx.set_output(0, out);
  return Status::Ok();
}

// A pixel's channels, copied in 32-byte pieces (one vector move on AVX2, two
// on the baseline). As a call to memmove, which is what std::copy of a
// run-time length and any plain copy loop become, a 16-channel pixel cost
// more than its copy, and nearest sampling is one copy per point. The empty
// asm hides the loop's counter from the compiler, so that it does not turn
// the loop back into that call.
template <typename T>
__attribute__((always_inline)) inline void CopyChannels(const T* __restrict src, int64_t channels, T* __restrict dst) {
  constexpr int64_t kPiece = 32 / sizeof(T);
  int64_t c = 0;
  for (; c + kPiece <= channels; c += kPiece) {
    T piece[kPiece];
    std::memcpy(piece, src + c, sizeof(piece));
    std::memcpy(dst + c, piece, sizeof(piece));
    asm("" : "+r"(c));
  }
  for (; c < channels; ++c) {
    dst[c] = src[c];
    asm("" : "+r"(c));
  }
}

// `value` in every channel, in pieces as CopyChannels (memset otherwise).
template <typename T>
__attribute__((always_inline)) inline void FillChannels(T value, int64_t channels, T* __restrict dst) {
  constexpr int64_t kPiece = 32 / sizeof(T);
  T piece[kPiece];
  for (T& v : piece) v = value;
  int64_t c = 0;
  for (; c + kPiece <= channels; c += kPiece) {
    std::memcpy(dst + c, piece, sizeof(piece));
    asm("" : "+r"(c));
  }
  for (; c < channels; ++c) {
    dst[c] = value;
    asm("" : "+r"(c));
  }
}

// One output pixel of bicubic sampling: rows of four taps are combined first,
// then the rows, in PyTorch's order. A tap that reads nothing (zeros padding)
// adds an exact zero in PyTorch, so it is skipped here.
template <typename T>
__attribute__((always_inline)) inline void SampleBicubic(const T* src, const BicubicTaps<T>& b, int64_t width,
                                                         int64_t channels, T* dst) {
  FillChannels(T(0), channels, dst);
  for (int j = 0; j < 4; ++j) {
    if (b.ys[j] < 0) continue;
    const T* row = src + b.ys[j] * width * channels;
    const T wy = b.wy[j];
    if (b.xs[0] >= 0 && b.xs[1] >= 0 && b.xs[2] >= 0 && b.xs[3] >= 0) {
      // All four taps read pixels: a loop over channels the compiler vectorizes.
      const T* __restrict p0 = row + b.xs[0] * channels;
      const T* __restrict p1 = row + b.xs[1] * channels;
      const T* __restrict p2 = row + b.xs[2] * channels;
      const T* __restrict p3 = row + b.xs[3] * channels;
      const T w0 = b.wx[0], w1 = b.wx[1], w2 = b.wx[2], w3 = b.wx[3];
      T* __restrict out = dst;
      for (int64_t c = 0; c < channels; ++c) out[c] += wy * (w0 * p0[c] + w1 * p1[c] + w2 * p2[c] + w3 * p3[c]);
      continue;
    }
    const T* taps[4];
    T weights[4];
    int n = 0;
    for (int i = 0; i < 4; ++i) {
      if (b.xs[i] < 0) continue;
      taps[n] = row + b.xs[i] * channels;
      weights[n++] = b.wx[i];
    }
    for (int64_t c = 0; c < channels; ++c) {
      T sum = T(0);
      for (int k = 0; k < n; ++k) sum += weights[k] * taps[k][c];
      dst[c] += wy * sum;
    }
  }
}

// Bicubic outputs [begin, end) of the image at `src` (grid and outputs
// indexed by point, as in Sample).
template <typename T>
__attribute__((always_inline)) inline void BicubicPoints(const T* src, const T* g, int64_t begin, int64_t end,
                                                         int64_t height, int64_t width, int64_t channels,
                                                         Padding padding, bool align, T* out) {
  for (int64_t p = begin; p < end; ++p) {
    T* dst = out + p * channels;
    T unused;
    const BicubicTaps<T> b(Unnormalize(g[2 * p], width, align, &unused),
                           Unnormalize(g[2 * p + 1], height, align, &unused), width, height, padding, align);
    if (b.finite) {
      SampleBicubic(src, b, width, channels, dst);
    } else {
      FillChannels(std::numeric_limits<T>::quiet_NaN(), channels, dst);
    }
  }
}

// floor and nearbyint of a SafeIndex value (finite, within int range), as
// integers. On x86-64 the baseline build has no rounding instruction, and
// std::floor / std::nearbyint were library calls per point: truncation
// corrected downwards is floor, and the conversion in the current rounding
// mode (to nearest even, as nearbyint's) is nearbyint for these values.
template <typename T>
__attribute__((always_inline)) inline int64_t FloorIndex(T x) {
  auto i = static_cast<int64_t>(x);
  if (static_cast<T>(i) > x) --i;
  return i;
}

template <typename T>
__attribute__((always_inline)) inline int64_t NearestIndex(T x) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, float>) {
    return _mm_cvtss_si64(_mm_set_ss(x));
  } else {
    return _mm_cvtsd_si64(_mm_set_sd(x));
  }
#else
  return static_cast<int64_t>(std::nearbyint(x));
#endif
}

// One output pixel of nearest or bilinear sampling at source index (ix, iy).
template <typename T>
__attribute__((always_inline)) inline void LinearPoint(const T* src, T ix, T iy, int64_t height, int64_t width,
                                                       int64_t channels, Mode mode, T* dst) {
  if (mode == Mode::kNearest) {
    const int64_t x = NearestIndex(SafeIndex(ix));
    const int64_t y = NearestIndex(SafeIndex(iy));
    if (InBounds(y, x, height, width)) {
      CopyChannels(src + (y * width + x) * channels, channels, dst);
    } else {
      FillChannels(T(0), channels, dst);
    }
    return;
  }
  if (!std::isfinite(ix) || !std::isfinite(iy)) {
    FillChannels(std::numeric_limits<T>::quiet_NaN(), channels, dst);
    return;
  }
  const Bilinear<T> b(SafeIndex(ix), SafeIndex(iy), FloorIndex(SafeIndex(ix)), FloorIndex(SafeIndex(iy)));
  if (b.x0 >= 0 && b.y0 >= 0 && b.x0 + 1 < width && b.y0 + 1 < height) {
    // All four neighbours inside: no bounds tests, a loop the compiler
    // vectorizes. Same sum order (nw, ne, sw, se) as the general path.
    const T* __restrict nw = src + (b.y0 * width + b.x0) * channels;
    const T* __restrict ne = nw + channels;
    const T* __restrict sw = nw + width * channels;
    const T* __restrict se = sw + channels;
    const T w_nw = b.wx0 * b.wy0, w_ne = b.wx1 * b.wy0, w_sw = b.wx0 * b.wy1, w_se = b.wx1 * b.wy1;
    T* __restrict out_pixel = dst;
    for (int64_t c = 0; c < channels; ++c) {
      out_pixel[c] = nw[c] * w_nw + ne[c] * w_ne + sw[c] * w_sw + se[c] * w_se;
    }
    return;
  }
  FillChannels(T(0), channels, dst);
  const int64_t xs[4] = {b.x0, b.x0 + 1, b.x0, b.x0 + 1};
  const int64_t ys[4] = {b.y0, b.y0, b.y0 + 1, b.y0 + 1};
  const T ws[4] = {b.wx0 * b.wy0, b.wx1 * b.wy0, b.wx0 * b.wy1, b.wx1 * b.wy1};
  for (int k = 0; k < 4; ++k) {
    if (!InBounds(ys[k], xs[k], height, width)) continue;
    const T* pixel = src + (ys[k] * width + xs[k]) * channels;
    for (int64_t c = 0; c < channels; ++c) dst[c] += pixel[c] * ws[k];
  }
}

// Nearest sampling is one pixel load per point, a cache miss on random
// grids: the pixel of the point 8 ahead is prefetched from its plain
// unnormalized position (clamped; a hint, so padding modes need not be
// exact). 0.81 -> 0.69 ms on the bench's nearest case; bilinear, with more
// work per point to hide the misses behind, gained nothing.
constexpr int64_t kPrefetchAhead = 8;

template <typename T>
__attribute__((always_inline)) inline void PrefetchNearest(const T* src, const T* g, int64_t p, int64_t end,
                                                           int64_t height, int64_t width, int64_t channels) {
  if (p + kPrefetchAhead >= end) return;
  // Clamped (max(0, NaN) is 0) so the conversions are defined; written as
  // min/max, which compile to selects (the same test written with ternaries
  // measured 0.75 ms against 0.64-0.71).
  const auto clamp = [](T v, int64_t size) {
    return static_cast<int64_t>(std::min(std::max(T(0), v), static_cast<T>(size - 1)));
  };
  const int64_t x = clamp((g[2 * (p + kPrefetchAhead)] + T(1)) * (static_cast<T>(width) / 2), width);
  const int64_t y = clamp((g[2 * (p + kPrefetchAhead) + 1] + T(1)) * (static_cast<T>(height) / 2), height);
  __builtin_prefetch(src + (y * width + x) * channels);
}

// Nearest or bilinear outputs [begin, end) of the image at `src` (grid and
// outputs indexed by point, as in Sample).
template <typename T>
__attribute__((always_inline)) inline void LinearPoints(const T* src, const T* g, int64_t begin, int64_t end,
                                                        int64_t height, int64_t width, int64_t channels, Mode mode,
                                                        Padding padding, bool align, T* out) {
  for (int64_t p = begin; p < end; ++p) {
    if (mode == Mode::kNearest) PrefetchNearest(src, g, p, end, height, width, channels);
    T unused;
    const T ix = SourceIndex(g[2 * p], width, padding, align, &unused);
    const T iy = SourceIndex(g[2 * p + 1], height, padding, align, &unused);
    LinearPoint(src, ix, iy, height, width, channels, mode, out + p * channels);
  }
}

// One image's points [begin, end) in any mode.
template <typename T>
__attribute__((always_inline)) inline void SamplePoints(const T* src, const T* g, int64_t begin, int64_t end,
                                                        int64_t height, int64_t width, int64_t channels, Mode mode,
                                                        Padding padding, bool align, T* out) {
  if (mode == Mode::kBicubic) {
    BicubicPoints(src, g, begin, end, height, width, channels, padding, align, out);
  } else {
    LinearPoints(src, g, begin, end, height, width, channels, mode, padding, align, out);
  }
}

#if defined(__x86_64__)
// SourceIndex's value (not its derivative) for the coordinates in the lanes:
// the same operations in the same order (no FMA), so the same bits.
template <typename L>
__attribute__((target("avx2"), always_inline)) inline typename L::V SourceIndexLanes(typename L::V coord,
                                                                                    int64_t size, Padding padding,
                                                                                    bool align) {
  using T = typename L::T;
  using V = typename L::V;
  const V one = L::Set(T(1)), zero = L::Zero();
  V index = align ? L::Mul(L::Add(coord, one), L::Set(static_cast<T>(size - 1) / 2))
                  : L::Sub(L::Mul(L::Add(coord, one), L::Set(static_cast<T>(size) / 2)), L::Set(T(0.5)));
  if (padding == Padding::kReflection) {
    const int64_t twice_low = align ? 0 : -1, twice_high = align ? 2 * (size - 1) : 2 * size - 1;
    if (twice_low == twice_high) {
      index = zero;
    } else {
      const V low = L::Set(static_cast<T>(twice_low) / 2);
      const V twice_span = L::Set(static_cast<T>(twice_high - twice_low));
      const V magnitude = L::Abs(L::Sub(index, low));
      const V extra = L::Sub(magnitude, L::Mul(L::Trunc(L::Div(magnitude, twice_span)), twice_span));
      const V folded = L::Sub(twice_span, extra);
      index = L::Add(L::Select(L::Gt(extra, folded), folded, extra), low);
    }
  }
  if (padding != Padding::kZeros) {  // Clip: NaN and below 0 to 0, above to size - 1
    const V limit = L::Set(static_cast<T>(size - 1));
    const V positive = L::Select(L::Gt(index, zero), index, zero);
    index = L::Select(L::Lt(positive, limit), positive, limit);
  }
  return index;
}

// LinearPoints with the source indices of a vector of points at a time
// (their scalar computation was most of what reflection padding added to a
// point: a division, a truncation and the folds per coordinate). Bilinear
// reflection 1.85-1.97 -> 1.48-1.52 ms on the bench's case, against torch
// 2.13's 1.54 (channels_last) and 2.01 (NCHW).
template <typename T>
__attribute__((target("avx2"), always_inline)) inline void LinearPointsAvx2(const T* src, const T* g, int64_t begin,
                                                                           int64_t end, int64_t height, int64_t width,
                                                                           int64_t channels, Mode mode,
                                                                           Padding padding, bool align, T* out) {
  using L = std::conditional_t<std::is_same_v<T, float>, math::Avx2Float, math::Avx2Double>;
  int64_t p = begin;
  for (; p + L::kLanes <= end; p += L::kLanes) {
    alignas(32) T xs[L::kLanes], ys[L::kLanes];
    for (int l = 0; l < L::kLanes; ++l) {
      xs[l] = g[2 * (p + l)];
      ys[l] = g[2 * (p + l) + 1];
    }
    L::Store(xs, SourceIndexLanes<L>(L::Load(xs), width, padding, align));
    L::Store(ys, SourceIndexLanes<L>(L::Load(ys), height, padding, align));
    for (int l = 0; l < L::kLanes; ++l) {
      if (mode == Mode::kNearest) PrefetchNearest(src, g, p + l, end, height, width, channels);
      LinearPoint(src, xs[l], ys[l], height, width, channels, mode, out + (p + l) * channels);
    }
  }
  LinearPoints(src, g, p, end, height, width, channels, mode, padding, align, out);
}

// The same code on 8-float / 4-double vectors over the channels (and over
// points for the source indices), with rounding instructions: no FMA, so the
// same bits as the baseline's 4- / 2-wide ones (tests/test_parity_grid_sample.py
// compares the two).
template <typename T>
__attribute__((target("avx2"), noinline)) void SamplePointsAvx2(const T* src, const T* g, int64_t begin, int64_t end,
                                                                 int64_t height, int64_t width, int64_t channels,
                                                                 Mode mode, Padding padding, bool align, T* out) {
  if (mode == Mode::kBicubic) {
    BicubicPoints(src, g, begin, end, height, width, channels, padding, align, out);
  } else if (padding == Padding::kZeros) {
    // Its source index is one multiply and subtract: in lanes bilinear zeros
    // measured 1.08x the point-by-point loop's time (the bench's case), and
    // nearest zeros the same.
    LinearPoints(src, g, begin, end, height, width, channels, mode, padding, align, out);
  } else {
    LinearPointsAvx2(src, g, begin, end, height, width, channels, mode, padding, align, out);
  }
}
#endif

template <typename T>
Status Sample(KernelContext& ctx, const Params& params) {
  const ConstTensor& image = ctx.input(0);
  const ConstTensor& grid = ctx.input(1);
  const Tensor& output = ctx.output(0);
  const int64_t height = image.dim(1), width = image.dim(2), channels = image.dim(3);
  const int64_t points_per_image = grid.dim(1) * grid.dim(2);
  const Mode mode = params.mode;
  const Padding padding = params.padding;
  const bool align = params.align_corners;
  const T* img = image.data<T>();
  const T* g = grid.data<T>();
  T* out = output.data<T>();

  const int64_t cost = (mode == Mode::kBicubic ? 40 : 8) * channels + 40;
  ctx.ParallelFor(grid.num_elements() / 2, cost, [&](int64_t begin, int64_t end) {
    // Image by image: the points of one share its pixels.
    for (int64_t first = begin; first < end;) {
      const int64_t n = first / points_per_image;
      const int64_t last = std::min(end, (n + 1) * points_per_image);
      const T* src = img + n * height * width * channels;
#if defined(__x86_64__)
      if (math::UseAvx2()) {
        SamplePointsAvx2(src, g, first, last, height, width, channels, mode, padding, align, out);
        first = last;
        continue;
      }
#endif
      SamplePoints(src, g, first, last, height, width, channels, mode, padding, align, out);
      first = last;
    }
  });
  return Status::Ok();
}

Status GridSampleKernel(KernelContext& ctx, const Params& params) {
  return Dispatch<float, double>(ctx.input(0).dtype(),
                                 [&](auto tag) { return Sample<typename decltype(tag)::type>(ctx, params); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>GridSample")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Samples image [N,H,W,C] at grid [N,Ho,Wo,2] (normalized x, y in [-1, 1]) "
                              "with PyTorch grid_sample semantics; output [N,Ho,Wo,C].")
                         .Input("image: T")
                         .Input("grid: T")
                         .Output("output: T")
                         .Attr("T: {float, double}")
                         .Params<Params>()
                         .ShapeRule(GridSampleShape)
                         .Kernel(GridSampleKernel));

}  // namespace
}  // namespace opbridge
