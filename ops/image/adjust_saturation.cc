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
// TF registers its CPU kernel for float only (half runs on GPUs alone): a
// half image is refused, as TF's CPU refuses it, rather than given a result
// TF's CPU never computes.
#include <algorithm>
#include <cmath>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "../math/avx2_dispatch.h"
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

#if defined(__x86_64__)
// 8 pixels at a time on CPUs with AVX2: RgbToHsv, the clamp and HsvToRgb
// above with the same float operations in the same order, lane by lane (no
// FMA), so the same bits. Branches become selections; std::max(a, b) is
// max_ps(b, a) and std::min(a, b) min_ps(b, a) (the same answer for NaN and
// for zeros of either sign); the sextant loops step while any lane needs it.
// Per pixel the scalar code took 18 ns (0.90x TF's time).
#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

OPBRIDGE_AVX2 __m256 Select(__m256 mask, __m256 yes, __m256 no) { return _mm256_blendv_ps(no, yes, mask); }

// The sextant offset added in double and rounded once, as TF's.
OPBRIDGE_AVX2 __m256 AddInDouble(__m256 v, double offset) {
  const __m256d lo = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(v)), _mm256_set1_pd(offset));
  const __m256d hi = _mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)), _mm256_set1_pd(offset));
  return _mm256_set_m128(_mm256_cvtpd_ps(hi), _mm256_cvtpd_ps(lo));
}

// The lanes whose sextant is k1 or k2.
OPBRIDGE_AVX2 __m256 InSextants(__m256i category, int k1, int k2) {
  return _mm256_castsi256_ps(_mm256_or_si256(_mm256_cmpeq_epi32(category, _mm256_set1_epi32(k1)),
                                             _mm256_cmpeq_epi32(category, _mm256_set1_epi32(k2))));
}

// One channel of HsvToRgb's switch: c in sextants c1 and c2, x in x1 and x2,
// 0 elsewhere (the default sextant -1 included).
OPBRIDGE_AVX2 __m256 Pick(__m256i category, int c1, int c2, __m256 c, int x1, int x2, __m256 x) {
  return Select(InSextants(category, c1, c2), c, Select(InSextants(category, x1, x2), x, _mm256_setzero_ps()));
}

OPBRIDGE_AVX2 void AdjustEight(const float* in, float scale, float* out) {
  alignas(32) float channel[3][8];
  for (int p = 0; p < 8; ++p) {
    for (int k = 0; k < 3; ++k) channel[k][p] = in[3 * p + k];
  }
  const __m256 r = _mm256_load_ps(channel[0]), g = _mm256_load_ps(channel[1]), b = _mm256_load_ps(channel[2]);
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  // RgbToHsv.
  const __m256 v = _mm256_max_ps(_mm256_max_ps(b, g), r);
  const __m256 range = _mm256_sub_ps(v, _mm256_min_ps(_mm256_min_ps(b, g), r));
  __m256 s = Select(_mm256_cmp_ps(v, zero, _CMP_GT_OQ), _mm256_div_ps(range, v), zero);
  const __m256 norm = _mm256_div_ps(one, _mm256_mul_ps(_mm256_set1_ps(6.0f), range));
  const __m256 h_r = _mm256_mul_ps(norm, _mm256_sub_ps(g, b));
  const __m256 h_g = AddInDouble(_mm256_mul_ps(norm, _mm256_sub_ps(b, r)), 2.0 / 6.0);
  const __m256 h_b = AddInDouble(_mm256_mul_ps(norm, _mm256_sub_ps(r, g)), 4.0 / 6.0);
  __m256 h = Select(_mm256_cmp_ps(r, v, _CMP_EQ_OQ), h_r, Select(_mm256_cmp_ps(g, v, _CMP_EQ_OQ), h_g, h_b));
  h = Select(_mm256_cmp_ps(range, zero, _CMP_LE_OQ), zero, h);
  h = Select(_mm256_cmp_ps(h, zero, _CMP_LT_OQ), _mm256_add_ps(h, one), h);
  // The saturation scaled and clamped.
  s = _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(s, _mm256_set1_ps(scale)), zero), one);
  // HsvToRgb.
  const __m256 c = _mm256_mul_ps(s, v);
  const __m256 m = _mm256_sub_ps(v, c);
  const __m256 dh = _mm256_mul_ps(h, _mm256_set1_ps(6.0f));
  const __m256 in_range = _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), dh), _mm256_set1_ps(1e9f), _CMP_LT_OQ);
  const __m256i category =
      _mm256_blendv_epi8(_mm256_set1_epi32(-1), _mm256_cvttps_epi32(dh), _mm256_castps_si256(in_range));
  __m256 fmodu = Select(in_range, dh, _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN()));
  for (__m256 low = _mm256_cmp_ps(fmodu, zero, _CMP_LE_OQ); _mm256_movemask_ps(low) != 0;
       low = _mm256_cmp_ps(fmodu, zero, _CMP_LE_OQ)) {
    fmodu = Select(low, _mm256_add_ps(fmodu, two), fmodu);
  }
  for (__m256 high = _mm256_cmp_ps(fmodu, two, _CMP_GE_OQ); _mm256_movemask_ps(high) != 0;
       high = _mm256_cmp_ps(fmodu, two, _CMP_GE_OQ)) {
    fmodu = Select(high, _mm256_sub_ps(fmodu, two), fmodu);
  }
  const __m256 distance = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(fmodu, one));  // |fmodu - 1|
  const __m256 x = _mm256_mul_ps(c, _mm256_sub_ps(one, distance));
  _mm256_store_ps(channel[0], _mm256_add_ps(Pick(category, 0, 5, c, 1, 4, x), m));
  _mm256_store_ps(channel[1], _mm256_add_ps(Pick(category, 1, 2, c, 0, 3, x), m));
  _mm256_store_ps(channel[2], _mm256_add_ps(Pick(category, 3, 4, c, 2, 5, x), m));
  for (int p = 0; p < 8; ++p) {
    for (int k = 0; k < 3; ++k) out[3 * p + k] = channel[k][p];
  }
}

// Pixels [0, n - n % 8) of a float image.
__attribute__((target("avx2"))) void AdjustFloatAvx2(const float* in, float scale, float* out, int64_t n) {
  for (int64_t p = 0; p + 8 <= n; p += 8) AdjustEight(in + 3 * p, scale, out + 3 * p);
}
#undef OPBRIDGE_AVX2
#endif

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

Status AdjustSaturationKernel(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype();
  OPBRIDGE_REQUIRE(dtype == DType::kFloat32, "TF has no CPU kernel for T=", DTypeName(dtype), " (only float)");
  const float* in = ctx.input(0).data<float>();
  float* out = ctx.output(0).data<float>();
  const int64_t pixels = ctx.input(0).num_elements() / 3;
  if (pixels == 0) return Status::Ok();
  const float scale = ctx.input(1).data<float>()[0];
  ctx.ParallelFor(pixels, 10, [&](int64_t begin, int64_t end) {
#if defined(__x86_64__)
    if (math::UseAvx2()) {
      AdjustFloatAvx2(in + 3 * begin, scale, out + 3 * begin, end - begin);
      begin += (end - begin) / 8 * 8;
    }
#endif
    for (int64_t p = begin; p < end; ++p) {
      const float* px = in + 3 * p;
      float h, s, v, rgb[3];
      RgbToHsv(px[0], px[1], px[2], &h, &s, &v);
      s = std::min(1.0f, std::max(0.0f, s * scale));
      HsvToRgb(h, s, v, rgb);
      for (int k = 0; k < 3; ++k) out[3 * p + k] = rgb[k];
    }
  });
  return Status::Ok();
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
