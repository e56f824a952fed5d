// FakeQuantWithMinMaxVarsPerChannel's attrs and kernel, shared by TF's op
// (fake_quant_with_min_max_vars_per_channel.cc) and the Opbridge> substitute
// (opbridge_fake_quant_with_min_max_vars_per_channel.cc): inputs [..., d]
// fake-quantized per last-dim channel with min and max [d], TF's nudging and
// errors (fake_quant.h); rank-0 inputs, which crash TF's kernel (a CHECK on
// dim -1), are an error here.
#pragma once

#include <vector>

#include "fake_quant.h"

namespace opbridge {
namespace fake_quant {

struct PerChannelParams {
  int64_t num_bits = 8;
  bool narrow_range = false;

  static void Declare(ParamBinder& b, PerChannelParams& p) {
    b.Attr("num_bits: int = 8", &p.num_bits);
    b.Attr("narrow_range: bool = false", &p.narrow_range);
  }
  Status Validate() const { return CheckNumBits(num_bits); }
};

inline Status PerChannelKernel(KernelContext& ctx, const PerChannelParams& p) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_REQUIRE(x.rank() >= 1, "inputs '", x.name(), "' must have rank >= 1, is a scalar");
  const int64_t depth = x.shape().dim(-1);
  for (int i = 1; i <= 2; ++i) {
    const ConstTensor& t = ctx.input(i);
    const char* what = i == 1 ? "min" : "max";
    OPBRIDGE_REQUIRE(t.rank() == 1, "`", what, "` must be rank 1 but is rank ", t.rank());
    OPBRIDGE_REQUIRE(t.shape().dim(0) == depth, what, " has incorrect size, expected ", depth, " was ",
                     t.shape().dim(0));
  }
  const float* mins = ctx.input(1).data<float>();
  const float* maxs = ctx.input(2).data<float>();
  // The channels' quantizers as arrays, so a row's loop vectorizes; zero[c] marks min == max == 0.
  std::vector<float> lo(static_cast<size_t>(depth)), hi(lo), inv(lo), scale(lo), qzero(lo);
  std::vector<int32_t> zero(static_cast<size_t>(depth));
  for (int64_t c = 0; c < depth; ++c) {
    const size_t k = static_cast<size_t>(c);
    zero[k] = mins[c] == 0.0f && maxs[c] == 0.0f ? -1 : 0;  // all bits: the lanes' mask
    if (zero[k]) continue;
    const Quantizer q = Nudge(mins[c], maxs[c], p.num_bits, p.narrow_range);
    lo[k] = q.nudged_min, hi[k] = q.nudged_max, inv[k] = q.inv_scale, scale[k] = q.scale, qzero[k] = q.quant_zero;
  }
  if (depth == 0) return Status::Ok();
  const int64_t rows = x.num_elements() / depth;
  const float* in = x.data<float>();
  float* out = ctx.output(0).data<float>();
  const float *plo = lo.data(), *phi = hi.data(), *pinv = inv.data(), *pscale = scale.data(), *pzero = qzero.data();
  const int32_t* pz = zero.data();
  ctx.ParallelFor(rows, depth, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = in + r * depth;
      float* yr = out + r * depth;
      int64_t c = 0;
#if defined(__SSE2__)
      for (; c + 4 <= depth; c += 4) {
        const __m128 v = Four<false>(_mm_loadu_ps(xr + c), _mm_loadu_ps(plo + c), _mm_loadu_ps(phi + c),
                                                 _mm_loadu_ps(pinv + c), _mm_loadu_ps(pscale + c),
                                                 _mm_loadu_ps(pzero + c));
        _mm_storeu_ps(yr + c, _mm_andnot_ps(_mm_castsi128_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(pz + c))), v));
      }
#endif
      for (; c < depth; ++c) {
        const float v = One<false>(xr[c], plo[c], phi[c], pinv[c], pscale[c], pzero[c]);
        yr[c] = pz[c] ? 0.0f : v;
      }
    }
  });
  return Status::Ok();
}

}  // namespace fake_quant
}  // namespace opbridge
