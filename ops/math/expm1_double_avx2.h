// float64 expm1, 4 lanes at a time, for CPUs with AVX2 and FMA (chosen at run
// time by expm1_log1p.h; elsewhere the C library's expm1 runs per element).
//
// TF's kernel evaluates Eigen's packet expm1 on whole packets and the C
// library's on the rest; the C library's per element took 1.1x TF's time.
// Here, per lane:
//   x = k ln2 + r + c, |r| <= ln2/2: k = round(x / ln2), r = x - k ln2_hi -
//   k ln2_lo (Cody and Waite's two-part ln2: k ln2_hi is exact), c the
//   subtraction's rounding error, recovered exactly;
//   expm1(r) = r + t, t = r^2 (1/2! + r/3! + ... + r^11/13!) (truncation
//   < 2^-56 relative), kept as p_hi + p_lo (r + t by fast two-sum, plus
//   c e^r ~ c (1 + r));
//   expm1(x) = 2^k expm1(r) + (2^k - 1), both terms exact products of
//   powers of two, added by two-sum so that the one rounding is the last.
// Measured against long double expm1l on 6 million inputs (uniform in
// [-2, 2], log-uniform from 1e-60 to 700 of both signs, near the overflow
// threshold, down to -745): at most 0.849 ulp off (glibc 2.36's expm1:
// 0.822), 5.6% of them 1 ulp from glibc's; the same bits at -O1 and -O3.
// ~6.6x the C library's speed.
// Lanes the formula does not cover are set after: x beyond log(DBL_MAX):
// +inf; x < -60: -1 (e^x is below half an ulp of 1); NaN: x + x; |x| < 2^-54:
// x itself (as bits, so that a subnormal x survives flush-to-zero, as in the
// C library and TF).
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>
#include <limits>

#include "double_lanes_avx2.h"

// No contraction of a multiply and an add into one FMA here: the error terms
// rely on each operation rounding as written, and GCC contracts only from
// -O2 on, so the sanitized build (-O1) would otherwise give other bits.
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

namespace opbridge::math::expm1_double_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

using double_lanes_avx2::Madd;
using double_lanes_avx2::Set;

// 2^k for integral k in [-1022, 1023], from its exponent bits.
OPBRIDGE_AVX2 __m256d TwoTo(__m256d k) {
  const __m256i biased = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)), _mm256_set1_epi64x(1023));
  return _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
}

OPBRIDGE_AVX2 __m256d Expm1(__m256d x_in) {
  const __m256d x = _mm256_min_pd(_mm256_max_pd(x_in, Set(-60.0)), Set(709.8));
  const __m256d k = _mm256_round_pd(_mm256_mul_pd(x, Set(1.44269504088896338700e+00)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d r_hi = Madd(k, Set(-6.93147180369123816490e-01), x);  // exact
  const __m256d r_lo = _mm256_mul_pd(k, Set(1.90821492927058770002e-10));
  const __m256d r = _mm256_sub_pd(r_hi, r_lo);
  const __m256d c = _mm256_sub_pd(_mm256_sub_pd(r_hi, r), r_lo);
  // t = r^2 q(r), q by Horner from 1/13!.
  __m256d q = Set(1.0 / 6227020800.0);
  q = Madd(q, r, Set(1.0 / 479001600.0));
  q = Madd(q, r, Set(1.0 / 39916800.0));
  q = Madd(q, r, Set(1.0 / 3628800.0));
  q = Madd(q, r, Set(1.0 / 362880.0));
  q = Madd(q, r, Set(1.0 / 40320.0));
  q = Madd(q, r, Set(1.0 / 5040.0));
  q = Madd(q, r, Set(1.0 / 720.0));
  q = Madd(q, r, Set(1.0 / 120.0));
  q = Madd(q, r, Set(1.0 / 24.0));
  q = Madd(q, r, Set(1.0 / 6.0));
  q = Madd(q, r, Set(0.5));
  const __m256d t = _mm256_mul_pd(_mm256_mul_pd(r, r), q);
  // p = r + t + c (1 + r) as p_hi + p_lo (|t| < |r|: fast two-sum).
  const __m256d p_hi = _mm256_add_pd(r, t);
  const __m256d p_lo = _mm256_add_pd(_mm256_sub_pd(t, _mm256_sub_pd(p_hi, r)), Madd(c, r, c));
  // k = 1024 (x within ln2/2 of the overflow threshold): 2^1023, doubled at the end.
  const __m256d k_low = _mm256_min_pd(k, Set(1023.0));
  const __m256d two = TwoTo(k_low);
  // a + a_lo = 2^k - 1 exactly: a rounds it (to 2^k for k > 53, where a_lo = -1).
  const __m256d a = _mm256_sub_pd(two, Set(1.0));
  const __m256d a_lo = _mm256_sub_pd(_mm256_sub_pd(two, a), Set(1.0));
  const __m256d b = _mm256_mul_pd(two, p_hi);  // exact
  const __m256d s = _mm256_add_pd(a, b);
  const __m256d back = _mm256_sub_pd(s, a);
  const __m256d err = _mm256_add_pd(_mm256_sub_pd(a, _mm256_sub_pd(s, back)), _mm256_sub_pd(b, back));
  const __m256d y = _mm256_add_pd(s, Madd(two, p_lo, _mm256_add_pd(err, a_lo)));
  return _mm256_mul_pd(y, TwoTo(_mm256_sub_pd(k, k_low)));
}

// Expm1 with the lanes it does not cover put right (see the top).
OPBRIDGE_AVX2 __m256d Expm1All(__m256d x) {
  __m256d y = Expm1(x);
  const __m256d inf = Set(std::numeric_limits<double>::infinity());
  y = _mm256_blendv_pd(y, inf, _mm256_cmp_pd(x, Set(7.09782712893383973096e+02), _CMP_GT_OQ));
  y = _mm256_blendv_pd(y, _mm256_add_pd(x, x), _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
  return double_lanes_avx2::KeepTiny(x, y);
}

#undef OPBRIDGE_AVX2

// y = expm1(x) of in[0, n).
inline void Apply(const double* in, double* out, int64_t n) { double_lanes_avx2::Apply<Expm1All>(in, out, n); }

}  // namespace opbridge::math::expm1_double_avx2

#pragma GCC pop_options

#endif  // __x86_64__
