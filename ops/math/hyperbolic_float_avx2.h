// float32 cosh, sinh, asinh and acosh, 8 lanes at a time, for CPUs with AVX2
// and FMA (chosen at run time by cosh.cc / sinh.cc / asinh.cc / acosh.cc;
// elsewhere the C library's coshf, sinhf, asinhf and acoshf run per element,
// as in TF's kernel, where Eigen has no packet for them: 9-20 ns per element,
// and ours measured 0.9-1.25x TF's time).
//
// Each lane is widened to double, where, with a = min(|x|, 100) and
// u = expm1(a) (expm1_double_avx2.h, under 0.85 ulp of double):
//   cosh = (e + 1/e) / 2, e = u + 1;
//   sinh = (u + u / (u + 1)) / 2, with x's sign: expm1 keeps small |x|
//   free of the cancellation of e^a - e^-a; below 2^-12 sinh is x.
//   asinh = log1p(a + a^2 / (1 + sqrt(1 + a^2))) with x's sign
//   (log1p_double_avx2.h; a capped at 1e100, above float's largest and
//   below where a^2 would overflow double, +inf put back after; below
//   2^-12 asinh is x);
//   acosh = log1p(t + sqrt(t (t + 2))), t = x - 1 (exact in double: no
//   cancellation near 1, where acosh ~ sqrt(2t)); x < 1 gives NaN, +inf
//   gives +inf (x^2 cannot overflow double for a float x).
// All are within a few ulps of double of the exact value, so rounding to
// float gives the correctly rounded result but within ~2^-24 of a float
// halfway point. a is capped at 100 (both overflow float from 89.5 on) so
// the double formulas never see inf; min(100, a) keeps NaN.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>
#include <limits>

#include "expm1_double_avx2.h"
#include "log1p_double_avx2.h"

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

namespace opbridge::math::hyperbolic_float_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

using double_lanes_avx2::Set;

// cosh (kSinh false) or sinh of 4 floats.
template <bool kSinh>
OPBRIDGE_AVX2 __m128 Four(__m128 x) {
  const __m128 sign = _mm_and_ps(x, _mm_set1_ps(-0.0f));
  const __m256d a = _mm256_min_pd(Set(100.0), _mm256_cvtps_pd(_mm_andnot_ps(_mm_set1_ps(-0.0f), x)));
  const __m256d u = expm1_double_avx2::Expm1All(a);
  const __m256d e = _mm256_add_pd(u, Set(1.0));
  __m256d y;
  if constexpr (kSinh) {
    y = _mm256_mul_pd(Set(0.5), _mm256_add_pd(u, _mm256_div_pd(u, e)));
  } else {
    y = _mm256_mul_pd(Set(0.5), _mm256_add_pd(e, _mm256_div_pd(Set(1.0), e)));
  }
  const __m128 r = _mm256_cvtpd_ps(y);
  if constexpr (kSinh) {
    // |x| < 2^-12: sinh(x) rounds to x, returned as its bits, so that a
    // subnormal x survives the denormals-are-zero mode TF and TFLite run in
    // (the widening above reads it as 0), as the C library's sinhf does.
    const __m128 tiny = _mm_cmplt_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), x), _mm_set1_ps(0x1p-12f));
    return _mm_blendv_ps(_mm_or_ps(r, sign), x, tiny);
  }
  return r;
}

// asinh of 4 floats.
OPBRIDGE_AVX2 __m128 AsinhFour(__m128 x) {
  const __m128 abs_mask = _mm_set1_ps(-0.0f);
  const __m128 ax = _mm_andnot_ps(abs_mask, x);
  const __m256d a = _mm256_min_pd(Set(1e100), _mm256_cvtps_pd(ax));
  const __m256d a2 = _mm256_mul_pd(a, a);
  const __m256d root = _mm256_add_pd(Set(1.0), _mm256_sqrt_pd(_mm256_add_pd(Set(1.0), a2)));
  const __m256d y = log1p_double_avx2::Log1pAll(_mm256_add_pd(a, _mm256_div_pd(a2, root)));
  __m128 r = _mm256_cvtpd_ps(y);
  r = _mm_blendv_ps(r, ax, _mm_cmpeq_ps(ax, _mm_set1_ps(__builtin_inff())));  // asinh(+-inf)
  const __m128 tiny = _mm_cmplt_ps(ax, _mm_set1_ps(0x1p-12f));
  return _mm_blendv_ps(_mm_or_ps(r, _mm_and_ps(x, abs_mask)), x, tiny);
}

// acosh of 4 floats.
OPBRIDGE_AVX2 __m128 AcoshFour(__m128 x) {
  const __m256d t = _mm256_sub_pd(_mm256_cvtps_pd(x), Set(1.0));
  const __m256d root = _mm256_sqrt_pd(_mm256_mul_pd(t, _mm256_add_pd(t, Set(2.0))));
  const __m256d y = log1p_double_avx2::Log1pAll(_mm256_add_pd(t, root));
  // Below 1 (-inf included) the formula can land on a real number (x <= -1
  // makes t (t + 2) positive) or on -inf - +inf; acosh is NaN there. NaN
  // stays NaN through the formula (the compare is false for it).
  const __m256d below = _mm256_cmp_pd(t, _mm256_setzero_pd(), _CMP_LT_OQ);
  return _mm256_cvtpd_ps(_mm256_blendv_pd(y, Set(std::numeric_limits<double>::quiet_NaN()), below));
}

// y = acosh(x) of in[0, n), n a multiple of 8.
__attribute__((target("avx2,fma"))) inline void ApplyAcosh(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    _mm_storeu_ps(out + i, AcoshFour(_mm_loadu_ps(in + i)));
    _mm_storeu_ps(out + i + 4, AcoshFour(_mm_loadu_ps(in + i + 4)));
  }
}

// y = asinh(x) of in[0, n), n a multiple of 8.
__attribute__((target("avx2,fma"))) inline void ApplyAsinh(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    _mm_storeu_ps(out + i, AsinhFour(_mm_loadu_ps(in + i)));
    _mm_storeu_ps(out + i + 4, AsinhFour(_mm_loadu_ps(in + i + 4)));
  }
}

// y = cosh(x) or sinh(x) of in[0, n), n a multiple of 8.
template <bool kSinh>
__attribute__((target("avx2,fma"))) inline void Apply(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    _mm_storeu_ps(out + i, Four<kSinh>(_mm_loadu_ps(in + i)));
    _mm_storeu_ps(out + i + 4, Four<kSinh>(_mm_loadu_ps(in + i + 4)));
  }
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::hyperbolic_float_avx2

#pragma GCC pop_options

#endif
