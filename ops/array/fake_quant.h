// The FakeQuantWithMinMax* ops (tf.quantization.fake_quant_with_min_max_args / _vars /
// _vars_per_channel): float inputs clamped to a range, quantized to 2^num_bits levels and back,
// as TF's CPU kernels compute them (fake_quant_ops_functor.h), operation for operation in float:
//   quant_min = narrow_range ? 1 : 0, quant_max = 2^num_bits - 1;
//   Nudge: scale = (max - min) / (qmax - qmin), inv_scale = (qmax - qmin) / (max - min) (not
//     1 / scale), zero point = qmin - min / scale clamped to [qmin, qmax], else rounded half
//     away from zero, as a uint16 (a NaN one converts to 0 on x86, as TF's build does);
//     nudged_min = (qmin - zp) * scale, nudged_max = (qmax - zp) * scale;
//   quant_zero = floor(-nudged_min * inv_scale + 0.5);
//   y = floor((clamp(x) - nudged_min) * inv_scale - quant_zero + 0.5) * scale, where Vars divides
//     by scale instead of multiplying by inv_scale; clamp = min(x, nudged_max) then
//     max(., nudged_min), NaN x kept (Eigen's cwiseMin/cwiseMax order: a NaN x gives NaN).
//   Vars and PerChannel give +0 everywhere (per channel) where min == max == 0.
// The converter turns Args (and Vars of constant min/max) into QUANTIZE/DEQUANTIZE builtins that
// compute another thing (docs/ops/fake_quant.md); opbridge.convert substitutes the Opbridge> ops.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../math/avx2_dispatch.h"
#include "opbridge/op.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace opbridge {
namespace fake_quant {

// The attrs every FakeQuant op has.
inline Status CheckNumBits(int64_t num_bits) {
  OPBRIDGE_REQUIRE(num_bits >= 2 && num_bits <= 16, "num_bits must be between 2 and 16, inclusive");
  return Status::Ok();
}

struct Quantizer {
  float nudged_min = 0, nudged_max = 0, scale = 0, inv_scale = 0, quant_zero = 0;
  bool zeros = false;  // min == max == 0 (Vars, PerChannel): the output is +0
};

inline Quantizer Nudge(float min, float max, int64_t num_bits, bool narrow_range) {
  Quantizer q;
  const int quant_min = narrow_range ? 1 : 0;
  const int quant_max = (1 << num_bits) - 1;
  const float qmin = static_cast<float>(quant_min), qmax = static_cast<float>(quant_max);
  q.scale = (max - min) / (qmax - qmin);
  q.inv_scale = (qmax - qmin) / (max - min);
  const float zero_point_from_min = qmin - min / q.scale;
  uint16_t zero_point;
  if (zero_point_from_min < qmin) {
    zero_point = static_cast<uint16_t>(quant_min);
  } else if (zero_point_from_min > qmax) {
    zero_point = static_cast<uint16_t>(quant_max);
  } else if (std::isnan(zero_point_from_min)) {
    zero_point = 0;  // TF's float -> uint16 conversion of NaN on x86 (cvttss2si: 0x80000000, low bits 0)
  } else {
    zero_point = static_cast<uint16_t>(std::round(zero_point_from_min));
  }
  q.nudged_min = (qmin - static_cast<float>(zero_point)) * q.scale;
  q.nudged_max = (qmax - static_cast<float>(zero_point)) * q.scale;
  q.quant_zero = std::floor(-q.nudged_min * q.inv_scale + 0.5f);
  return q;
}

// Eigen's cwiseMin(hi).cwiseMax(lo): std::min(x, hi) and std::max(., lo) keep a NaN x (GCC
// vectorizes both as minps/maxps, whose NaN rule is the same).
inline float Clamp(float x, float lo, float hi) { return std::max(std::min(x, hi), lo); }

// floor(v) without a libm call (the baseline build has no roundps: std::floor per element took
// 8x TF's time): through int32 below 2^23 in magnitude, the sign kept (floor(-0) = -0); larger
// floats, infinities and NaN are their own floor.
inline float Floor(float v) {
  const bool small = std::fabs(v) < 8388608.0f;
  const float t = static_cast<float>(static_cast<int32_t>(small ? v : 0.0f));
  return small ? std::copysign(t > v ? t - 1.0f : t, v) : v;
}

// One element: clamp, shift, scale (kDivide: Vars' division by scale), floor, rescale.
template <bool kDivide>
inline float One(float x, float lo, float hi, float inv, float scale, float zero) {
  const float shifted = Clamp(x, lo, hi) - lo;
  const float scaled = kDivide ? shifted / scale : shifted * inv;
  return Floor(scaled - zero + 0.5f) * scale;
}

#if defined(__SSE2__)
// The same on 4 lanes: GCC keeps One's selects as branches (measured 11 ns per element).
// minps(hi, x) is (hi < x) ? hi : x and maxps(lo, c) (lo > c) ? lo : c: std::min and std::max's
// NaN rule; Floor as above with masks.
template <bool kDivide>
inline __m128 Four(__m128 x, __m128 lo, __m128 hi, __m128 inv, __m128 scale, __m128 zero) {
  const __m128 sign = _mm_set1_ps(-0.0f), one = _mm_set1_ps(1.0f), half = _mm_set1_ps(0.5f);
  const __m128 shifted = _mm_sub_ps(_mm_max_ps(lo, _mm_min_ps(hi, x)), lo);
  const __m128 scaled = kDivide ? _mm_div_ps(shifted, scale) : _mm_mul_ps(shifted, inv);
  const __m128 v = _mm_add_ps(_mm_sub_ps(scaled, zero), half);
  const __m128 small = _mm_cmplt_ps(_mm_andnot_ps(sign, v), _mm_set1_ps(8388608.0f));
  __m128 t = _mm_cvtepi32_ps(_mm_cvttps_epi32(_mm_and_ps(small, v)));
  t = _mm_sub_ps(t, _mm_and_ps(_mm_cmpgt_ps(t, v), one));
  t = _mm_or_ps(_mm_andnot_ps(sign, t), _mm_and_ps(sign, v));
  const __m128 floored = _mm_or_ps(_mm_and_ps(small, t), _mm_andnot_ps(small, v));
  return _mm_mul_ps(floored, scale);
}
#endif

// y[i] = fake-quantized x[i] for n values, 4 lanes at a time (q not zeros).
template <bool kDivide>
void ApplySse(const float* x, float* y, int64_t n, const Quantizer& q) {
  const float lo = q.nudged_min, hi = q.nudged_max, inv = q.inv_scale, scale = q.scale, zero = q.quant_zero;
  int64_t i = 0;
#if defined(__SSE2__)
  const __m128 vlo = _mm_set1_ps(lo), vhi = _mm_set1_ps(hi), vinv = _mm_set1_ps(inv), vscale = _mm_set1_ps(scale),
               vzero = _mm_set1_ps(zero);
  for (; i + 4 <= n; i += 4) {
    _mm_storeu_ps(y + i, Four<kDivide>(_mm_loadu_ps(x + i), vlo, vhi, vinv, vscale, vzero));
  }
#endif
  for (; i < n; ++i) y[i] = One<kDivide>(x[i], lo, hi, inv, scale, zero);
}

}  // namespace fake_quant
}  // namespace opbridge

#if defined(__x86_64__)
// 8 lanes on CPUs with AVX2 (fake_quant_avx2.cc); the same bits.
extern "C" void opbridge_avx2_fake_quant(const float* x, float* y, int64_t n,
                                         const opbridge::fake_quant::Quantizer* q, int divide);
#endif

namespace opbridge {
namespace fake_quant {

template <bool kDivide>
void Apply(const float* x, float* y, int64_t n, const Quantizer& q) {
  if (q.zeros) {
    std::fill(y, y + n, 0.0f);
    return;
  }
#if defined(__x86_64__)
  if (math::UseAvx2()) {
    opbridge_avx2_fake_quant(x, y, n, &q, kDivide ? 1 : 0);
    return;
  }
#endif
  ApplySse<kDivide>(x, y, n, q);
}

// The per-tensor ops: every element through one quantizer.
template <bool kDivide>
void ApplyAll(KernelContext& ctx, const Quantizer& q) {
  const ConstTensor& x = ctx.input(0);
  const float* in = x.data<float>();
  float* out = ctx.output(0).data<float>();
  ctx.ParallelFor(x.num_elements(), 1, [&](int64_t begin, int64_t end) {
    Apply<kDivide>(in + begin, out + begin, end - begin, q);
  });
}

}  // namespace fake_quant
}  // namespace opbridge

namespace opbridge {
namespace fake_quant {

// FakeQuantWithMinMaxVars' attrs and kernel (TF's op and the Opbridge> substitute).
struct VarsParams {
  int64_t num_bits = 8;
  bool narrow_range = false;

  static void Declare(ParamBinder& b, VarsParams& p) {
    b.Attr("num_bits: int = 8", &p.num_bits);
    b.Attr("narrow_range: bool = false", &p.narrow_range);
  }
  Status Validate() const { return CheckNumBits(num_bits); }
};

inline Status VarsKernel(KernelContext& ctx, const VarsParams& p) {
  for (int i = 1; i <= 2; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).rank() == 0, "`", i == 1 ? "min" : "max", "` must be rank 0 but is rank ",
                     ctx.input(i).rank());
  }
  const float min = ctx.input(1).data<float>()[0], max = ctx.input(2).data<float>()[0];
  Quantizer q;
  if (min == 0.0f && max == 0.0f) {
    q.zeros = true;
  } else {
    q = Nudge(min, max, p.num_bits, p.narrow_range);
  }
  ApplyAll</*kDivide=*/true>(ctx, q);
  return Status::Ok();
}

}  // namespace fake_quant
}  // namespace opbridge
