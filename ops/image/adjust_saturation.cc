// AdjustSaturation: TF's tf.image.adjust_saturation. The converter emits
// CUSTOM "AdjustSaturation" (float32 or half images [..., 3]; the Python
// function casts other types to float32 around the op); scale is a float
// scalar input.
//
// As TF's CPU kernel, which has its own RGB <-> HSV helpers (not those of
// RGBToHSV / HSVToRGB in colorspace.h, whose arithmetic differs): per pixel,
// in float, hue/saturation/value, saturation times scale clamped to [0, 1]
// (a NaN product becomes 0, as std::max(0.0f, NaN) returns 0), then the
// Wikipedia HSV -> RGB with chroma and the sextant of the hue.
//
// TF registers no CPU kernel for half; half images are computed in float and
// rounded, which is TF's float32 result rounded to half.
#include <algorithm>
#include <cmath>
#include <limits>

#include "image_util.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

void RgbToHsv(float r, float g, float b, float* h, float* s, float* v) {
  const float vv = std::max(r, std::max(g, b));
  const float range = vv - std::min(r, std::min(g, b));
  *s = vv > 0 ? range / vv : 0.0f;
  const float norm = 1.0f / (6.0f * range);
  // TF adds the sextant offsets as double constants (2.0 / 6.0), so the sum
  // is rounded once from double: keep that order of roundings.
  float hh;
  if (r == vv) {
    hh = norm * (g - b);
  } else if (g == vv) {
    hh = static_cast<float>(static_cast<double>(norm * (b - r)) + 2.0 / 6.0);
  } else {
    hh = static_cast<float>(static_cast<double>(norm * (r - g)) + 4.0 / 6.0);
  }
  if (range <= 0.0f) hh = 0;
  if (hh < 0.0f) hh = hh + 1;
  *h = hh;
  *v = vv;
}

void HsvToRgb(float h, float s, float v, float* rgb) {
  const float c = s * v;
  const float m = v - c;
  const float dh = h * 6;
  // h is finite in [0, 1] or NaN (an infinite channel); TF's int cast of NaN
  // gives INT_MIN on x86, i.e. the default (all-zero) sextant. dh can be 6
  // (h rounded up to 1 from a tiny negative hue): also the default sextant.
  // An infinite or huge dh needs subnormals kept (TF's loops would then never
  // end); it takes the NaN path rather than hang or cast out of range.
  const bool in_range = std::abs(dh) < 1e9f;
  const int category = in_range ? static_cast<int>(dh) : -1;
  float fmodu = in_range ? dh : std::numeric_limits<float>::quiet_NaN();
  if (in_range) {
    while (fmodu <= 0) fmodu += 2.0f;
    while (fmodu >= 2.0f) fmodu -= 2.0f;
  }
  const float x = c * (1 - std::abs(fmodu - 1));
  float rr = 0, gg = 0, bb = 0;
  switch (category) {
    case 0: rr = c, gg = x; break;
    case 1: rr = x, gg = c; break;
    case 2: gg = c, bb = x; break;
    case 3: gg = x, bb = c; break;
    case 4: rr = x, bb = c; break;
    case 5: rr = c, bb = x; break;
    default: break;
  }
  rgb[0] = rr + m;
  rgb[1] = gg + m;
  rgb[2] = bb + m;
}

Status AdjustSaturationShape(ShapeContext& ctx) {
  const Shape& in = ctx.input(0);
  if (in.rank_known()) {
    OPBRIDGE_REQUIRE(in.rank() >= 3, "input must be at least 3-D, got shape", in.ToString());
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-1) == 3, "input must have 3 channels but instead has ",
                     in.dim(-1), " channels.");
  }
  OPBRIDGE_REQUIRE(!ctx.input(1).rank_known() || ctx.input(1).rank() == 0, "scale must be scalar: ",
                   ctx.input(1).ToString());
  ctx.set_output(0, in);
  return Status::Ok();
}

template <typename T>
Status Adjust(KernelContext& ctx) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t pixels = ctx.input(0).num_elements() / 3;
  if (pixels == 0) return Status::Ok();
  const float scale = ctx.input(1).data<float>()[0];
  ctx.ParallelFor(pixels, 10, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* px = in + 3 * p;
      float h, s, v, rgb[3];
      RgbToHsv(static_cast<float>(px[0]), static_cast<float>(px[1]), static_cast<float>(px[2]), &h, &s, &v);
      s = std::min(1.0f, std::max(0.0f, s * scale));
      HsvToRgb(h, s, v, rgb);
      for (int k = 0; k < 3; ++k) out[3 * p + k] = static_cast<T>(rgb[k]);
    }
  });
  return Status::Ok();
}

Status AdjustSaturationKernel(KernelContext& ctx) {
  return image::DispatchWith16BitFloats<float>(ctx.input(0).dtype(), true, false,
                                                [&](auto tag) { return Adjust<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("AdjustSaturation")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Scales the saturation of RGB images [..., 3] by scale, clamped to [0, 1] "
                              "(tf.image.adjust_saturation).")
                         .Input("images: T")
                         .Input("scale: float")
                         .Output("output: T")
                         .Attr("T: {half, float} = DT_FLOAT")
                         .ShapeRule(AdjustSaturationShape)
                         .Kernel(AdjustSaturationKernel));

}  // namespace
}  // namespace opbridge
