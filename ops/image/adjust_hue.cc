// AdjustHue: TF's tf.image.adjust_hue. The converter emits CUSTOM
// "AdjustHue" with {T} (float32 or half; tf.image.adjust_hue casts other
// types to float32 around the op); delta is a float scalar input.
//
// As TF's CPU kernel: each RGB pixel becomes (hue in [0, 6), min, max), the
// hue moves by delta * 6 and is brought back into [0, 6) by adding or
// subtracting 6, and the pixel is rebuilt from (hue, min, max), all in float.
//
// Where TF never returns: TF's wrap loop spins forever for an infinite delta
// and for |hue + 6 delta| large enough that subtracting 6 no longer changes
// it (about 1e8). Here such hues wrap with fmod (|h| > 1e6), and a non-finite
// hue takes TF's NaN path (the pixel's mid channel becomes NaN).
#include <cmath>
#include <type_traits>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// RGB -> hue in [0, 6) and the min/max channel values; TF's category logic
// (ties may land in either neighbouring category, as in TF).
void RgbToHueRange(float r, float g, float b, float* h, float* v_min, float* v_max) {
  float v_mid;
  int category;
  if (r < g) {
    if (b < r) {
      *v_max = g, v_mid = r, *v_min = b, category = 1;
    } else if (b > g) {
      *v_max = b, v_mid = g, *v_min = r, category = 3;
    } else {
      *v_max = g, v_mid = b, *v_min = r, category = 2;
    }
  } else {
    if (b < g) {
      *v_max = r, v_mid = g, *v_min = b, category = 0;
    } else if (b > r) {
      *v_max = b, v_mid = r, *v_min = g, category = 4;
    } else {
      *v_max = r, v_mid = b, *v_min = g, category = 5;
    }
  }
  if (*v_max == *v_min) {
    *h = 0;
    return;
  }
  const float ratio = (v_mid - *v_min) / (*v_max - *v_min);
  const bool increasing = (category & 1) == 0;
  *h = static_cast<float>(category) + (increasing ? ratio : 1 - ratio);
}

void HueRangeToRgb(float h, float v_min, float v_max, float* rgb) {
  // TF converts h to int directly; a NaN hue there lands (on x86) in the
  // default branch with a NaN ratio. Keep that without the undefined cast.
  const int category = std::isfinite(h) ? static_cast<int>(h) : 5;
  float ratio = std::isfinite(h) ? h - static_cast<float>(category) : h;
  if ((category & 1) != 0) ratio = 1 - ratio;
  const float v_mid = v_min + ratio * (v_max - v_min);
  switch (category) {
    case 0: rgb[0] = v_max, rgb[1] = v_mid, rgb[2] = v_min; break;
    case 1: rgb[0] = v_mid, rgb[1] = v_max, rgb[2] = v_min; break;
    case 2: rgb[0] = v_min, rgb[1] = v_max, rgb[2] = v_mid; break;
    case 3: rgb[0] = v_min, rgb[1] = v_mid, rgb[2] = v_max; break;
    case 4: rgb[0] = v_mid, rgb[1] = v_min, rgb[2] = v_max; break;
    default: rgb[0] = v_max, rgb[1] = v_min, rgb[2] = v_mid; break;
  }
}

Status AdjustHueShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (in.rank_known()) {
    OPBRIDGE_REQUIRE(in.rank() >= 3, "input must be at least 3-D, got shape ", in.ToString());
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-1) == 3, "input must have 3 channels but instead has ",
                     in.dim(-1), " channels.");
  }
  OPBRIDGE_REQUIRE(!ctx.input(1).rank_known() || ctx.input(1).rank() == 0, "delta must be scalar: ",
                   ctx.input(1).ToString());
  ctx.set_output(0, in);
  return Status::Ok();
}

constexpr float kRange = 6;

// Brings h + 6 delta back into [0, 6) as TF's loops do (one step of 6 at a
// time); |h| > 1e6, where TF would loop (nearly) forever, wraps with fmod.
float WrapHue(float h) {
  if (std::abs(h) > 1e6f) h = std::fmod(h, kRange);
  while (h < 0) h += kRange;
  while (h >= kRange) h -= kRange;
  return h;
}

template <typename T>
void AdjustPixel(const T* px, float delta, T* out) {
  float h, v_min, v_max, rgb[3];
  RgbToHueRange(static_cast<float>(px[0]), static_cast<float>(px[1]), static_cast<float>(px[2]), &h, &v_min, &v_max);
  HueRangeToRgb(WrapHue(h + delta * kRange), v_min, v_max, rgb);
  for (int k = 0; k < 3; ++k) out[k] = static_cast<T>(rgb[k]);
}

// Four float pixels at once, branch-free: the same per-lane arithmetic and
// category choices as RgbToHueRange / HueRangeToRgb (the scalar version's
// data-dependent branches mispredict on real images).
void AdjustQuad(const float* in, float delta, float* out) {
  using image::Float4;
  using image::Int4;
  Float4 r, g, b;
  image::Load3x4(in, &r, &g, &b);
  const Int4 r_lt_g = r < g;
  // r < g: (b < r) -> 1: g, r, b;  (b > g) -> 3: b, g, r;  else 2: g, b, r
  // else:  (b < g) -> 0: r, g, b;  (b > r) -> 4: b, r, g;  else 5: r, b, g
  const Int4 c1 = r_lt_g & (b < r), c3 = r_lt_g & ~(b < r) & (b > g), c2 = r_lt_g & ~c1 & ~c3;
  const Int4 c0 = ~r_lt_g & (b < g), c4 = ~r_lt_g & ~(b < g) & (b > r);  // else 5: no mask needed
  const Float4 v_max = c1 | c2 ? g : c3 | c4 ? b : r;
  const Float4 v_mid = c1 | c4 ? r : c3 | c0 ? g : b;
  const Float4 v_min = c1 | c0 ? b : c3 | c2 ? r : g;
  const Int4 category = c0 ? 0 : c1 ? 1 : c2 ? 2 : c3 ? 3 : c4 ? 4 : 5;
  const Float4 ratio = (v_mid - v_min) / (v_max - v_min);
  const Int4 increasing = (category & 1) == 0;
  const Float4 zero = {0, 0, 0, 0};
  Float4 h = v_max == v_min ? zero : __builtin_convertvector(category, Float4) + (increasing ? ratio : 1 - ratio);
  h += delta * kRange;
  for (int i = 0; i < 4; ++i) {
    if (!(h[i] >= 0 && h[i] < kRange)) h[i] = WrapHue(h[i]);
  }
  // Back to RGB; a NaN hue takes category 5 with a NaN ratio, as the scalar path.
  const Int4 finite = h == h;
  const Int4 cat = finite ? __builtin_convertvector(finite ? h : zero, Int4) : 5;
  Float4 mid_ratio = h - __builtin_convertvector(cat, Float4);
  mid_ratio = (cat & 1) != 0 ? 1 - mid_ratio : mid_ratio;
  const Float4 mid = v_min + mid_ratio * (v_max - v_min);
  const Float4 out_r = cat == 0 || cat == 5 ? v_max : cat == 1 || cat == 4 ? mid : v_min;
  const Float4 out_g = cat == 1 || cat == 2 ? v_max : cat == 0 || cat == 3 ? mid : v_min;
  const Float4 out_b = cat == 3 || cat == 4 ? v_max : cat == 2 || cat == 5 ? mid : v_min;
  image::Store3x4(out_r, out_g, out_b, out);
}

template <typename T>
Status Adjust(KernelContext& ctx) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  const float delta = ctx.input(1).data<float>()[0];
  const int64_t pixels = ctx.input(0).num_elements() / 3;
  if constexpr (std::is_same_v<T, float>) {
    image::ForPixelQuads(ctx, in, out, pixels, 40,
                         [delta](const float* a, float* b) { AdjustQuad(a, delta, b); });
  } else {
    ctx.ParallelFor(pixels, 15, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) AdjustPixel(in + 3 * p, delta, out + 3 * p);
    });
  }
  return Status::Ok();
}

Status AdjustHueKernel(KernelContext& ctx) {
  return image::DispatchWith16BitFloats<float>(ctx.input(0).dtype(), true, false,
                                                [&](auto tag) { return Adjust<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("AdjustHue")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Rotates the hue of RGB images [..., 3] by delta (a fraction of the color wheel) "
                              "(tf.image.adjust_hue).")
                         .Input("images: T")
                         .Input("delta: float")
                         .Output("output: T")
                         .Attr("T: {half, float} = DT_FLOAT")
                         .ShapeRule(AdjustHueShape)
                         .Kernel(AdjustHueKernel));

}  // namespace
}  // namespace opbridge
