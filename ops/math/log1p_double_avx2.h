// float64 log1p, 4 lanes at a time, for the CPUs with AVX2 and FMA (chosen at
// run time by expm1_log1p.h; elsewhere the C library's log1p runs per
// element).
//
// TF's kernel evaluates Eigen's packet log1p on whole packets (log(1 + x) * x
// / ((1 + x) - 1): up to a few ulp off) and the C library's on the rest; the
// C library's, per element, took 1.5x TF's time. This is fdlibm's method
// (the C library's on glibc 2.36 and Bionic), written for lanes:
//   u = 1 + x, rounded, and c = (1 + x) - u exactly (Knuth's two-sum);
//   u = 2^k m, m in [sqrt(1/2), sqrt(2)), split on u's bits; f = m - 1, exact;
//   log(m) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f / (2 + f), R fdlibm's
//   minimax polynomial (|error| < 2^-58.45 on this range);
//   log1p(x) = k ln2_hi + (log(m) + (k ln2_lo + c / u)): log(u (1 + c/u))
//   with log(1 + c/u) = c/u to within 2^-106 (|c/u| <= 2^-53).
// Every lane alone, so the value depends neither on the position nor on the
// thread split. Measured against long double log1pl on 6 million inputs
// (uniform in [-1, 4], log-uniform from 1e-60 to 1e3 of both signs, near -1,
// up to 1e300): at most 0.799 ulp off (glibc 2.36's log1p: 0.843), 0.11% of
// them 1 ulp from glibc's (its polynomial is evaluated in another order); the
// same bits at -O1 and -O3.
// ~10x the C library's speed.
// Lanes the formula does not cover are set after: x = -1: -inf; x < -1
// (-inf included): NaN; +inf, NaN: x + x; |x| < 2^-54: x itself (as bits, so
// that a subnormal x survives the flush-to-zero mode TF's kernels run in, as
// in the C library and TF).
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

namespace opbridge::math::log1p_double_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

using double_lanes_avx2::Madd;
using double_lanes_avx2::Set;

OPBRIDGE_AVX2 __m256d Log1p(__m256d x) {
  const __m256d one = Set(1.0);
  const __m256d u = _mm256_add_pd(one, x);
  // Two-sum: c = (1 + x) - u exactly, for any finite x.
  const __m256d back = _mm256_sub_pd(u, x);
  const __m256d c = _mm256_add_pd(_mm256_sub_pd(one, back), _mm256_sub_pd(x, _mm256_sub_pd(u, back)));
  // u = 2^k m with m in [sqrt(1/2), sqrt(2)): adding 2^52 - (sqrt(1/2)'s bits)
  // carries into the exponent field exactly when u's mantissa is at or above
  // sqrt(2)'s; the low 52 bits plus sqrt(1/2)'s bits are m. u >= 2^-53 here
  // (x > -1), so t's top bit is clear.
  const __m256i low = _mm256_set1_epi64x(0x3fe6a09e667f3bcdLL);
  const __m256i t =
      _mm256_add_epi64(_mm256_castpd_si256(u), _mm256_sub_epi64(_mm256_set1_epi64x(0x3ff0000000000000LL), low));
  const __m256d m =
      _mm256_castsi256_pd(_mm256_add_epi64(_mm256_and_si256(t, _mm256_set1_epi64x(0x000fffffffffffffLL)), low));
  // k as a double: 2^52 + (biased exponent), less 2^52 + 1023.
  const __m256d k = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(t, 52), _mm256_set1_epi64x(0x4330000000000000LL))),
      Set(4503599627370496.0 + 1023.0));
  const __m256d f = _mm256_sub_pd(m, one);
  const __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(Set(0.5), f), f);
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(f, Set(2.0)));
  const __m256d z = _mm256_mul_pd(s, s);
  // fdlibm's Lg1..Lg7 in z = s^2, as two chains in z^2 (odd and even powers).
  const __m256d w = _mm256_mul_pd(z, z);
  const __m256d odd = _mm256_mul_pd(
      z, Madd(Madd(Madd(Set(1.479819860511658591e-01), w, Set(1.818357216161805012e-01)), w,
                   Set(2.857142874366239149e-01)),
              w, Set(6.666666666666735130e-01)));
  const __m256d even = _mm256_mul_pd(
      w, Madd(Madd(Set(1.531383769920937332e-01), w, Set(2.222219843214978396e-01)), w, Set(3.999999999940941908e-01)));
  const __m256d r = _mm256_add_pd(odd, even);
  // Cody and Waite's two-part ln2: k * ln2_hi is exact for |k| < 2^11.
  const __m256d tail = Madd(k, Set(1.90821492927058770002e-10), _mm256_div_pd(c, u));
  const __m256d inner = _mm256_sub_pd(hfsq, Madd(s, _mm256_add_pd(hfsq, r), tail));
  return Madd(k, Set(6.93147180369123816490e-01), _mm256_sub_pd(f, inner));
}

// Log1p with the lanes it does not cover put right (see the top).
OPBRIDGE_AVX2 __m256d Log1pAll(__m256d x) {
  __m256d y = Log1p(x);
  const __m256d inf = Set(std::numeric_limits<double>::infinity());
  // NaN, +inf: x + x (a quiet NaN; +inf).
  const __m256d not_finite_above = _mm256_or_pd(_mm256_cmp_pd(x, x, _CMP_UNORD_Q), _mm256_cmp_pd(x, inf, _CMP_EQ_OQ));
  y = _mm256_blendv_pd(y, _mm256_add_pd(x, x), not_finite_above);
  y = _mm256_blendv_pd(y, Set(std::numeric_limits<double>::quiet_NaN()), _mm256_cmp_pd(x, Set(-1.0), _CMP_LT_OQ));
  y = _mm256_blendv_pd(y, -inf, _mm256_cmp_pd(x, Set(-1.0), _CMP_EQ_OQ));
  // |x| < 2^-54, compared as bits: x.
  return double_lanes_avx2::KeepTiny(x, y);
}

#undef OPBRIDGE_AVX2

// y = log1p(x) of in[0, n).
inline void Apply(const double* in, double* out, int64_t n) { double_lanes_avx2::Apply<Log1pAll>(in, out, n); }

}  // namespace opbridge::math::log1p_double_avx2

#pragma GCC pop_options

#endif  // __x86_64__
