// float32 expm1 and log1p, 4 lanes at a time in double precision, for the
// CPUs with AVX2 and FMA (chosen at run time by expm1_log1p.h: the library is
// built for baseline x86-64, where the C library's expm1f/log1pf run per
// element).
//
// TF's float32 kernels evaluate Eigen's packet formulas (up to 2 ulp off);
// opbridge keeps results within 1 ulp of the float64 function (the parity
// tests hold both), which the C library gives element by element at ~10x TF's
// time. Here each float is widened to double and the function is evaluated
// with ~1e-14 relative error, then rounded once: the correctly rounded float
// but for inputs within ~1e-14 of a rounding boundary. Every lane is computed
// alone, so the result depends neither on the position nor on the split.
// (Checked against (float)expm1((double)x) and log1p over every 37th float bit
// pattern: no difference; the C library's float functions differ from it in
// 0.3% of them, by 1 ulp.)
// expm1: x = k ln2 + r, |r| <= ln2/2; expm1(x) = 2^k expm1(r) + (2^k - 1) with
//        expm1(r) Taylor's series to r^11 (error < 2e-14 relative).
// log1p: u = 1 + x (exact in double for |x| >= 2^-25); u = 2^e m with m in
//        (sqrt(1/2), sqrt(2)]; log(m) = 2 atanh(s), s = (m - 1) / (m + 1),
//        the odd series to s^17 (|s| <= 0.172: error < 1e-15 relative).
//        Groups of 8 with no special input (x <= -1, inf, NaN, |x| < 2^-25:
//        rare in real data) skip the blends that fix those lanes. All 2^32
//        float inputs give the same bits as the earlier blend-everything
//        version (1 of them, 0x1.fb035ap-2, is 1 ulp off the rounded float64
//        log1p in both), with and without flush-to-zero.
// |x| < 2^-25 returns x itself for both (correctly rounded; it also keeps
// subnormal inputs as the C library's functions and TF's formulas do).
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>
#include <limits>

namespace opbridge::math::expm1_log1p_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

OPBRIDGE_AVX2 __m256d Set(double v) { return _mm256_set1_pd(v); }

OPBRIDGE_AVX2 __m256d Madd(__m256d a, __m256d b, __m256d c) { return _mm256_fmadd_pd(a, b, c); }

// y, but x itself in the lanes with |x| < 2^-25 (compared as bits: a subnormal x
// survives the flush-to-zero mode TF's kernels, and so these, run in).
OPBRIDGE_AVX2 __m128 KeepTiny(__m128 x, __m256d y) {
  const __m128i magnitude = _mm_and_si128(_mm_castps_si128(x), _mm_set1_epi32(0x7fffffff));
  const __m128i tiny = _mm_cmplt_epi32(magnitude, _mm_set1_epi32(0x33000000));  // 2^-25
  return _mm_blendv_ps(_mm256_cvtpd_ps(y), x, _mm_castsi128_ps(tiny));
}

// expm1 of 4 floats, widened.
OPBRIDGE_AVX2 __m128 Expm1(__m128 xf) {
  const __m256d x = _mm256_cvtps_pd(xf);
  // Beyond these expm1 is inf and -1 in float; NaN lanes are put back at the end.
  const __m256d clamped = _mm256_min_pd(_mm256_max_pd(x, Set(-110.0)), Set(100.0));
  const __m256d k = _mm256_round_pd(_mm256_mul_pd(clamped, Set(1.4426950408889634074)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // Cody and Waite's two-part ln2 (fdlibm's): k * kLn2Hi is exact for |k| < 2^11.
  const __m256d r = _mm256_sub_pd(_mm256_sub_pd(clamped, _mm256_mul_pd(k, Set(6.93147180369123816490e-01))),
                                  _mm256_mul_pd(k, Set(1.90821492927058770002e-10)));
  // expm1(r) = r + r^2 (1/2! + r/3! + ... + r^9/11!), the bracket as two
  // Horner chains in r^2 (even and odd terms): half the dependent steps.
  const __m256d r2 = _mm256_mul_pd(r, r);
  __m256d even = Set(1.0 / 3628800.0);
  even = Madd(even, r2, Set(1.0 / 40320.0));
  even = Madd(even, r2, Set(1.0 / 720.0));
  even = Madd(even, r2, Set(1.0 / 24.0));
  even = Madd(even, r2, Set(0.5));
  __m256d odd = Set(1.0 / 39916800.0);
  odd = Madd(odd, r2, Set(1.0 / 362880.0));
  odd = Madd(odd, r2, Set(1.0 / 5040.0));
  odd = Madd(odd, r2, Set(1.0 / 120.0));
  odd = Madd(odd, r2, Set(1.0 / 6.0));
  const __m256d p = Madd(r2, Madd(odd, r, even), r);
  // 2^k from its exponent bits (k in [-159, 145]: a normal double).
  const __m256i biased = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)), _mm256_set1_epi64x(1023));
  const __m256d two_k = _mm256_castsi256_pd(_mm256_slli_epi64(biased, 52));
  __m256d y = Madd(p, two_k, _mm256_sub_pd(two_k, Set(1.0)));
  y = _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, x, _CMP_UNORD_Q));
  return KeepTiny(xf, y);
}

// log1p of 4 widened floats, none of them special (see Log1pSpecial): no
// blends. u = 1 + x = 2^e m, m in (sqrt(1/2), sqrt(2)], is split with integer
// arithmetic on u's bits: adding 2^52 - (the bits of m's lower bound, below 1)
// carries into the exponent field exactly when u's mantissa is above sqrt(2)'s,
// and adding that bound back gives m; the same m and e as comparing m with
// sqrt(2) and halving, in 5 integer operations instead of 9.
OPBRIDGE_AVX2 __m256d Log1pPlain(__m256d x) {
  const __m256d u = _mm256_add_pd(x, Set(1.0));
  // 0x3fe6a09e667f3bce: the double after sqrt(2)/2 (0x3fe6a09e667f3bcd, half of
  // the double nearest sqrt(2)), so m = sqrt(2) itself stays m.
  const __m256i low = _mm256_set1_epi64x(0x3fe6a09e667f3bceLL);
  const __m256i t = _mm256_add_epi64(_mm256_castpd_si256(u), _mm256_sub_epi64(_mm256_set1_epi64x(0x3ff0000000000000LL), low));
  const __m256d m = _mm256_castsi256_pd(
      _mm256_add_epi64(_mm256_and_si256(t, _mm256_set1_epi64x(0x000fffffffffffffLL)), low));
  // The exponent as a double: 2^52 + biased, less 2^52 + 1023 (u > 0: t's top bit is clear).
  const __m256d e = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(t, 52), _mm256_set1_epi64x(0x4330000000000000LL))),
      Set(4503599627370496.0 + 1023.0));
  const __m256d f = _mm256_sub_pd(m, Set(1.0));
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(f, Set(2.0)));
  const __m256d s2 = _mm256_mul_pd(s, s);
  // log(m) = s (2 + 2/3 s^2 + 2/5 s^4 + ... + 2/17 s^16), by Estrin's scheme
  // (pairs in s^2, then s^4 and s^8): few dependent steps after the division.
  const __m256d s4 = _mm256_mul_pd(s2, s2);
  const __m256d s8 = _mm256_mul_pd(s4, s4);
  const __m256d q0 = Madd(Set(2.0 / 3.0), s2, Set(2.0));
  const __m256d q1 = Madd(Set(2.0 / 7.0), s2, Set(2.0 / 5.0));
  const __m256d q2 = Madd(Set(2.0 / 11.0), s2, Set(2.0 / 9.0));
  const __m256d q3 = Madd(Set(2.0 / 15.0), s2, Set(2.0 / 13.0));
  const __m256d high = Madd(Set(2.0 / 17.0), s8, Madd(q3, s4, q2));
  const __m256d p = Madd(high, s8, Madd(q1, s4, q0));
  return Madd(e, Set(0.693147180559945309417232121458176568), _mm256_mul_pd(s, p));
}

// Log1pPlain, with the special lanes put right: u = +inf: +inf; u = 0: -inf;
// u < 0 or NaN: NaN; |x| < 2^-25: x.
OPBRIDGE_AVX2 __m128 Log1pSpecial(__m128 xf) {
  const __m256d u = _mm256_add_pd(_mm256_cvtps_pd(xf), Set(1.0));
  __m256d y = Log1pPlain(_mm256_cvtps_pd(xf));
  const __m256d inf = Set(std::numeric_limits<double>::infinity());
  y = _mm256_blendv_pd(y, inf, _mm256_cmp_pd(u, inf, _CMP_EQ_OQ));
  y = _mm256_blendv_pd(y, Set(-std::numeric_limits<double>::infinity()), _mm256_cmp_pd(u, Set(0.0), _CMP_EQ_OQ));
  y = _mm256_blendv_pd(y, Set(std::numeric_limits<double>::quiet_NaN()), _mm256_cmp_pd(u, Set(0.0), _CMP_NGE_UQ));
  return KeepTiny(xf, y);
}

// Whether any lane of xf needs Log1pSpecial: x <= -1, +inf, NaN, |x| < 2^-25.
OPBRIDGE_AVX2 bool AnyLog1pSpecial(__m256 xf) {
  const __m256 inside = _mm256_and_ps(_mm256_cmp_ps(xf, _mm256_set1_ps(-1.0f), _CMP_GT_OQ),
                                      _mm256_cmp_ps(xf, _mm256_set1_ps(std::numeric_limits<float>::infinity()), _CMP_LT_OQ));
  // |x| >= 2^-25 as bits (the compare must not see subnormals flushed).
  const __m256i magnitude = _mm256_and_si256(_mm256_castps_si256(xf), _mm256_set1_epi32(0x7fffffff));
  const __m256i big = _mm256_cmpgt_epi32(magnitude, _mm256_set1_epi32(0x33000000 - 1));
  return _mm256_movemask_ps(_mm256_and_ps(inside, _mm256_castsi256_ps(big))) != 0xff;
}

#undef OPBRIDGE_AVX2

// y = expm1(x) (kExpm1) or log1p(x) of in[0, n): whole groups of 4, then the
// rest through one zero-padded group (the same arithmetic for every element).
template <bool kExpm1>
__attribute__((target("avx2,fma"))) void Apply(const float* in, float* out, int64_t n);

// expm1 of in[0, n): whole groups of 4, then the rest through one zero-padded
// group (the same arithmetic for every element).
template <>
__attribute__((target("avx2,fma"))) inline void Apply<true>(const float* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) _mm_storeu_ps(out + i, Expm1(_mm_loadu_ps(in + i)));
  if (i == n) return;
  alignas(16) float rest[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int64_t j = i; j < n; ++j) rest[j - i] = in[j];
  _mm_store_ps(rest, Expm1(_mm_load_ps(rest)));
  for (int64_t j = i; j < n; ++j) out[j] = rest[j - i];
}

// log1p of in[0, n): groups of 8, through Log1pPlain when none is special;
// the rest through one zero-padded group. Each lane's value is the same on
// either path (the special lanes aside, the same arithmetic).
template <>
__attribute__((target("avx2,fma"))) inline void Apply<false>(const float* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    if (__builtin_expect(AnyLog1pSpecial(x), 0)) {
      _mm_storeu_ps(out + i, Log1pSpecial(_mm256_castps256_ps128(x)));
      _mm_storeu_ps(out + i + 4, Log1pSpecial(_mm256_extractf128_ps(x, 1)));
    } else {
      _mm_storeu_ps(out + i, _mm256_cvtpd_ps(Log1pPlain(_mm256_cvtps_pd(_mm256_castps256_ps128(x)))));
      _mm_storeu_ps(out + i + 4, _mm256_cvtpd_ps(Log1pPlain(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)))));
    }
  }
  for (; i < n; i += 4) {
    alignas(16) float rest[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    const int64_t count = n - i < 4 ? n - i : 4;
    for (int64_t j = 0; j < count; ++j) rest[j] = in[i + j];
    _mm_store_ps(rest, Log1pSpecial(_mm_load_ps(rest)));
    for (int64_t j = 0; j < count; ++j) out[i + j] = rest[j];
  }
}

}  // namespace opbridge::math::expm1_log1p_avx2

#endif  // __x86_64__
