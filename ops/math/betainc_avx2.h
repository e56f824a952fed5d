// Betainc float32 (betainc.cc) with the continued fractions of 8 elements
// run in the lanes of one AVX register: the fraction's dependent divisions
// are most of an element's time after lgammaf, and 8 lanes pay them once. Every lane performs exactly the scalar
// operations of Eigen's incbeta_cfe<float> in the same order (IEEE mul, add,
// div: the same bits as scalar SSE; no FMA: the target is "avx2" only, so GCC
// cannot contract a*b+c); lanes that converged keep their result and ride
// along until all 8 are done or the 100 iterations run out.
#pragma once

#include <cstdint>
#include <cmath>

#include <unsupported/Eigen/SpecialFunctions>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::math::betainc_detail {

using Eigen::internal::betainc_helper;
using Eigen::internal::lgamma_impl;
namespace numext = Eigen::numext;

// What incbsa (Eigen's betainc_helper<float>::incbsa) decides before its
// continued fraction, and the fraction's arguments.
struct Plan {
  float a, b, x, t;  // after the a/b swap
  bool reversed, small_branch;
  // lgamma of the a and b incbsa was given (before the swap), which the
  // a <= 1 term needs again: lgammaf is most of an element's time.
  float lgamma_aa, lgamma_bb;
};

// Eigen's incbsa up to the continued fraction. Returns true with *done set
// when the power series (incbps) answers instead.
inline bool IncbsaStart(float aa, float bb, float xx, Plan* p, float* done) {
  const float onemx = 1.0f - xx;
  if (xx > (aa / (aa + bb))) {
    p->reversed = true;
    p->a = bb;
    p->b = aa;
    p->t = xx;
    p->x = onemx;
  } else {
    p->reversed = false;
    p->a = aa;
    p->b = bb;
    p->t = onemx;
    p->x = xx;
  }
  if (p->b > 10.0f) {
    if (numext::abs(p->b * p->x / p->a) < 0.3f) {
      float t = betainc_helper<float>::incbps(p->a, p->b, p->x);
      if (p->reversed) t = 1.0f - t;
      *done = t;
      return true;
    }
  }
  const float ans = p->x * (p->a + p->b - 2.0f) / (p->a - 1.0f);
  p->small_branch = ans < 1.0f;
  return false;
}

// Eigen's incbsa after the continued fraction's value `ans`.
inline float IncbsaFinish(Plan& p, float ans) {
  const float a = p.a, b = p.b, x = p.x;
  float t;
  if (p.small_branch) {
    t = b * numext::log(p.t);
  } else {
    t = (b - 1.0f) * numext::log(p.t);
  }
  const float lgamma_a = lgamma_impl<float>::run(a), lgamma_b = lgamma_impl<float>::run(b);
  p.lgamma_aa = p.reversed ? lgamma_b : lgamma_a;
  p.lgamma_bb = p.reversed ? lgamma_a : lgamma_b;
  t += a * numext::log(x) + lgamma_impl<float>::run(a + b) - lgamma_a - lgamma_b;
  t += numext::log(ans / a);
  t = numext::exp(t);
  if (p.reversed) t = 1.0f - t;
  return t;
}

// The term Eigen's betainc_impl<float> adds to incbsa(a + 1, b, x) for
// a <= 1, given lgamma(a + 1) and lgamma(b).
inline float SmallATerm(float a, float b, float x, float lgamma_a1, float lgamma_b) {
  const float t = a * numext::log(x) + b * numext::log1p(-x) + lgamma_impl<float>::run(a + b) - lgamma_a1 - lgamma_b;
  return numext::exp(t);
}
inline float SmallATerm(float a, float b, float x) {
  return SmallATerm(a, b, x, lgamma_impl<float>::run(a + 1.0f), lgamma_impl<float>::run(b));
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) inline __m256 Abs8(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

// Eigen's incbeta_cfe<float>::run for 8 (a, b, x, small_branch), lane by lane.
// x is the fraction's x (already x / (1 - x) on the large branch).
__attribute__((target("avx2"))) inline void ContinuedFraction8(const float* a_in, const float* b_in,
                                                                const float* x_in, const int32_t* small_in,
                                                                float* out) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), two = _mm256_set1_ps(2.0f);
  const float machep = Eigen::NumTraits<float>::epsilon() / 2;
  const __m256 big = _mm256_set1_ps(1.0f / machep), biginv = _mm256_set1_ps(machep);
  const __m256 thresh = biginv;
  const __m256 sign = _mm256_set1_ps(-0.0f);

  const __m256 a = _mm256_loadu_ps(a_in), b = _mm256_loadu_ps(b_in), x = _mm256_loadu_ps(x_in);
  const __m256 small = _mm256_castsi256_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(small_in)));
  // small: k2 = a + b, k6 = b - 1, k26update = 1; large: k2 = b - 1, k6 = a + b, k26update = -1.
  const __m256 apb = _mm256_add_ps(a, b), bm1 = _mm256_sub_ps(b, one);
  __m256 k1 = a, k2 = _mm256_blendv_ps(bm1, apb, small), k3 = a, k4 = _mm256_add_ps(a, one), k5 = one;
  __m256 k6 = _mm256_blendv_ps(apb, bm1, small), k7 = k4, k8 = _mm256_add_ps(a, two);
  const __m256 k26update = _mm256_blendv_ps(_mm256_set1_ps(-1.0f), one, small);

  __m256 pkm2 = zero, qkm2 = one, pkm1 = one, qkm1 = one, ans = one;
  __m256 result = zero, done = zero;
  for (int n = 0; n < 100; ++n) {
    __m256 xk = _mm256_xor_ps(_mm256_mul_ps(_mm256_mul_ps(x, k1), k2), sign);
    xk = _mm256_div_ps(xk, _mm256_mul_ps(k3, k4));
    __m256 pk = _mm256_add_ps(pkm1, _mm256_mul_ps(pkm2, xk));
    __m256 qk = _mm256_add_ps(qkm1, _mm256_mul_ps(qkm2, xk));
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;

    xk = _mm256_div_ps(_mm256_mul_ps(_mm256_mul_ps(x, k5), k6), _mm256_mul_ps(k7, k8));
    pk = _mm256_add_ps(pkm1, _mm256_mul_ps(pkm2, xk));
    qk = _mm256_add_ps(qkm1, _mm256_mul_ps(qkm2, xk));
    pkm2 = pkm1;
    pkm1 = pk;
    qkm2 = qkm1;
    qkm1 = qk;

    const __m256 nonzero = _mm256_cmp_ps(qk, zero, _CMP_NEQ_UQ);
    const __m256 r = _mm256_div_ps(pk, qk);
    const __m256 converged = _mm256_and_ps(
        nonzero, _mm256_cmp_ps(Abs8(_mm256_sub_ps(ans, r)), _mm256_mul_ps(Abs8(r), thresh), _CMP_LT_OQ));
    const __m256 newly = _mm256_andnot_ps(done, converged);
    result = _mm256_blendv_ps(result, r, newly);
    done = _mm256_or_ps(done, converged);
    if (_mm256_movemask_ps(done) == 0xFF) {
      _mm256_storeu_ps(out, result);
      return;
    }
    ans = _mm256_blendv_ps(ans, r, nonzero);

    k1 = _mm256_add_ps(k1, one);
    k2 = _mm256_add_ps(k2, k26update);
    k3 = _mm256_add_ps(k3, two);
    k4 = _mm256_add_ps(k4, two);
    k5 = _mm256_add_ps(k5, one);
    k6 = _mm256_sub_ps(k6, k26update);
    k7 = _mm256_add_ps(k7, two);
    k8 = _mm256_add_ps(k8, two);

    const __m256 over = _mm256_cmp_ps(_mm256_add_ps(Abs8(qk), Abs8(pk)), big, _CMP_GT_OQ);
    const __m256 down = _mm256_blendv_ps(one, biginv, over);
    pkm2 = _mm256_mul_ps(pkm2, down);
    pkm1 = _mm256_mul_ps(pkm1, down);
    qkm2 = _mm256_mul_ps(qkm2, down);
    qkm1 = _mm256_mul_ps(qkm1, down);
    const __m256 under =
        _mm256_or_ps(_mm256_cmp_ps(Abs8(qk), biginv, _CMP_LT_OQ), _mm256_cmp_ps(Abs8(pk), biginv, _CMP_LT_OQ));
    const __m256 upscale = _mm256_blendv_ps(one, big, under);
    pkm2 = _mm256_mul_ps(pkm2, upscale);
    pkm1 = _mm256_mul_ps(pkm1, upscale);
    qkm2 = _mm256_mul_ps(qkm2, upscale);
    qkm1 = _mm256_mul_ps(qkm1, upscale);
  }
  // Lanes that never converged return their last ans.
  _mm256_storeu_ps(out, _mm256_blendv_ps(ans, result, done));
}

// out[o] = Eigen::numext::betainc(a, b, x) for o in [begin, end), bit for bit:
// in[i][o * step[i]] are a, b, x. Elements outside the domain (NaN included)
// and the power-series cases stay scalar; the others queue their continued
// fraction and finish when 8 are done (the last few run Eigen's scalar one).
// Each element's value depends on nothing else: any split of the range, so
// any thread count, gives the same bits.
inline void BetaincFloatAvx2(const float* const in[3], const int64_t step[3], float* out, int64_t begin,
                             int64_t end) {
  constexpr int kLanes = 8;
  alignas(32) float lane_a[kLanes], lane_b[kLanes], lane_x[kLanes], lane_r[kLanes];
  alignas(32) int32_t lane_small[kLanes];
  Plan plans[kLanes];
  int64_t where[kLanes];
  bool small_a[kLanes];
  int queued = 0;
  auto finish = [&](int count) {
    if (count == kLanes) {
      ContinuedFraction8(lane_a, lane_b, lane_x, lane_small, lane_r);
    } else {
      for (int j = 0; j < count; ++j) {
        lane_r[j] = Eigen::internal::incbeta_cfe<float>::run(plans[j].a, plans[j].b, plans[j].x, lane_small[j] != 0);
      }
    }
    for (int j = 0; j < count; ++j) {
      float v = IncbsaFinish(plans[j], lane_r[j]);
      if (small_a[j]) {
        const int64_t o = where[j];
        v = v + SmallATerm(in[0][o * step[0]], in[1][o * step[1]], in[2][o * step[2]], plans[j].lgamma_aa,
                           plans[j].lgamma_bb);
      }
      out[where[j]] = v;
    }
  };
  for (int64_t o = begin; o < end; ++o) {
    const float a = in[0][o * step[0]], b = in[1][o * step[1]], x = in[2][o * step[2]];
    if (!(a > 0.0f) || !(b > 0.0f) || !(x > 0.0f) || !(x < 1.0f)) {
      out[o] = Eigen::numext::betainc(a, b, x);  // NaN, 0 or 1
      continue;
    }
    // betainc_impl<float>: a <= 1 is incbsa(a + 1, b, x) plus a term.
    const bool small = a <= 1.0f;
    Plan& p = plans[queued];
    float series;
    if (IncbsaStart(small ? a + 1.0f : a, b, x, &p, &series)) {
      out[o] = small ? series + SmallATerm(a, b, x) : series;
      continue;
    }
    lane_a[queued] = p.a;
    lane_b[queued] = p.b;
    // incbeta_cfe's large branch starts with x = x / (1 - x).
    lane_x[queued] = p.small_branch ? p.x : p.x / (1.0f - p.x);
    lane_small[queued] = p.small_branch ? -1 : 0;
    where[queued] = o;
    small_a[queued] = small;
    if (++queued == kLanes) {
      finish(kLanes);
      queued = 0;
    }
  }
  finish(queued);
}
#endif

}  // namespace opbridge::math::betainc_detail
