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

template <typename T>
Status Adjust(KernelContext& ctx) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  const float delta = ctx.input(1).data<float>()[0];
  constexpr float kRange = 6;
  ctx.ParallelFor(ctx.input(0).num_elements() / 3, 15, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* px = in + 3 * p;
      float h, v_min, v_max, rgb[3];
      RgbToHueRange(static_cast<float>(px[0]), static_cast<float>(px[1]), static_cast<float>(px[2]), &h, &v_min,
                    &v_max);
      h += delta * kRange;
      if (std::abs(h) > 1e6f) h = std::fmod(h, kRange);  // TF would loop (nearly) forever
      while (h < 0) h += kRange;
      while (h >= kRange) h -= kRange;
      HueRangeToRgb(h, v_min, v_max, rgb);
      for (int k = 0; k < 3; ++k) out[3 * p + k] = static_cast<T>(rgb[k]);
    }
  });
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
