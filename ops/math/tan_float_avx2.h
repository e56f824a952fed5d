// float32 tan, 8 lanes at a time, for CPUs with AVX2 and FMA (chosen at run
// time by tan.cc; elsewhere the C library's tanf runs per element, as in TF's
// kernel, where Eigen has no tan packet: ~14 ns per element, and ours
// measured 0.9-1.2x TF's time).
//
// Each lane is widened to double (exact) and reduced by k = round(x * 2/pi):
// r = x - k * pi/2 with pi/2 in three doubles and a fused multiply-add per
// part (each step rounds once, relative to r, so r keeps ~2^-50 of relative
// accuracy however close x is to a multiple of pi/2 while |x| < 2^20).
// sin(r) and cos(r) are Taylor series on |r| <= pi/4 to the r^21 and r^22
// terms (the next terms are under 2^-80 of the result), and tan(x) is
// sin/cos for even k, -cos/sin for odd k. The double result is within a few
// ulps of double of tan(x), so rounding to float gives the correctly rounded
// value but within ~2^-50 of a float halfway point; glibc's tanf, which TF
// and the baseline path call, is 1 ulp off on about 4% of inputs.
// |x| >= 2^20, inf and NaN take the scalar double tan (TanFloatScalar), as
// do the tensor's last n % 8 elements; |x| < 2^-12 gives x (tan x rounds to
// x there), as its bits, so that subnormals survive the denormals-are-zero
// mode kernels run in (the widening reads them as 0).
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <array>
#include <cmath>
#include <cstdint>

#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")

namespace opbridge::math::tan_float_avx2 {

constexpr float kTiny = 0x1p-12f;      // below: tan(x) rounds to x
constexpr double kLargest = 0x1p20;    // from here (and inf, NaN): the scalar path
constexpr double kTwoOverPi = 0x1.45f306dc9c883p-1;
// pi/2 = kHalfPi1 + kHalfPi2 + kHalfPi3 to ~2^-160.
constexpr double kHalfPi1 = 0x1.921fb54442d18p+0;
constexpr double kHalfPi2 = 0x1.1a62633145c07p-54;
constexpr double kHalfPi3 = -0x1.f1976b7ed8fbcp-110;

// tan of one float through the C library's double tan, rounded once (the
// same answers as the lanes but in rare near-halfway cases).
inline float TanFloatScalar(float x) {
  if (std::fabs(x) < kTiny) return x;
  return static_cast<float>(std::tan(static_cast<double>(x)));
}

#define OPBRIDGE_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

OPBRIDGE_AVX2 __m256d Set(double v) { return _mm256_set1_pd(v); }

// k! (exact in double up to 22!: its odd part is below 2^53).
constexpr double Factorial(int k) {
  double f = 1.0;
  for (int i = 2; i <= k; ++i) f *= i;
  return f;
}
// The Taylor coefficients sign * (-1)^j / (first + 2j)!, j < 10, each 1/k!
// rounded once.
constexpr std::array<double, 10> AlternatingInverseFactorials(int first, double sign) {
  std::array<double, 10> c{};
  for (int j = 0; j < 10; ++j) c[static_cast<size_t>(j)] = (j % 2 == 0 ? sign : -sign) / Factorial(first + 2 * j);
  return c;
}
// sin(r) = r + r^3 * sum_j kSineTail[j] r^(2j)    (-1/3!, 1/5!, ..., 1/21!);
// cos(r) = 1 - r^2/2 + r^4 * sum_j kCosineTail[j] r^(2j)    (1/4!, -1/6!, ..., -1/22!).
constexpr std::array<double, 10> kSineTail = AlternatingInverseFactorials(3, -1.0);
constexpr std::array<double, 10> kCosineTail = AlternatingInverseFactorials(4, 1.0);

// sum_j c[j] * x^j by Horner's rule, highest power first, one fma per step.
OPBRIDGE_AVX2 __m256d Horner(__m256d x, const std::array<double, 10>& c) {
  __m256d acc = Set(c[9]);
  for (int j = 8; j >= 0; --j) acc = _mm256_fmadd_pd(acc, x, Set(c[static_cast<size_t>(j)]));
  return acc;
}

// tan of 4 floats, all of magnitude below kLargest.
OPBRIDGE_AVX2 __m128 Four(__m128 x) {
  const __m256d d = _mm256_cvtps_pd(x);
  const __m256d k = _mm256_round_pd(_mm256_mul_pd(d, Set(kTwoOverPi)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256d r = _mm256_fnmadd_pd(k, Set(kHalfPi1), d);
  r = _mm256_fnmadd_pd(k, Set(kHalfPi2), r);
  r = _mm256_fnmadd_pd(k, Set(kHalfPi3), r);
  const __m256d r2 = _mm256_mul_pd(r, r);
  // sin(r) = r + r^3 * (-1/3! + r^2 * (1/5! - ...)), to the r^21 term.
  const __m256d s = Horner(r2, kSineTail);
  const __m256d sine = _mm256_fmadd_pd(_mm256_mul_pd(s, r2), r, r);
  // cos(r) = 1 - r^2/2 + r^4 * (1/4! - r^2 * (1/6! - ...)), to the r^22 term.
  const __m256d c = Horner(r2, kCosineTail);
  // 1 - r^2/2 + r^4 c: the small terms first, 1 last.
  const __m256d cosine = _mm256_add_pd(Set(1.0), _mm256_fmadd_pd(_mm256_mul_pd(r2, r2), c, _mm256_mul_pd(r2, Set(-0.5))));
  // Odd k: tan(x) = -cos(r) / sin(r).
  const __m128i k32 = _mm256_cvtpd_epi32(k);
  const __m256d odd = _mm256_castsi256_pd(
      _mm256_cmpeq_epi64(_mm256_cvtepi32_epi64(_mm_and_si128(k32, _mm_set1_epi32(1))), _mm256_set1_epi64x(1)));
  const __m256d num = _mm256_blendv_pd(sine, _mm256_xor_pd(cosine, Set(-0.0)), odd);
  const __m256d den = _mm256_blendv_pd(cosine, sine, odd);
  const __m128 y = _mm256_cvtpd_ps(_mm256_div_pd(num, den));
  const __m128 tiny = _mm_cmplt_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), x), _mm_set1_ps(kTiny));
  return _mm_blendv_ps(y, x, tiny);
}

// y = tan(x) of in[0, n), n a multiple of 8.
__attribute__((target("avx2,fma"))) inline void Apply(const float* in, float* out, int64_t n) {
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    // |x| >= kLargest, inf or NaN (not <): those lanes go the scalar way.
    const __m256 wide = _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x),
                                      _mm256_set1_ps(static_cast<float>(kLargest)), _CMP_NLT_UQ);
    _mm_storeu_ps(out + i, Four(_mm256_castps256_ps128(x)));
    _mm_storeu_ps(out + i + 4, Four(_mm256_extractf128_ps(x, 1)));
    if (_mm256_movemask_ps(wide) != 0) {
      for (int64_t j = i; j < i + 8; ++j) {
        if (!(std::fabs(in[j]) < static_cast<float>(kLargest))) out[j] = TanFloatScalar(in[j]);
      }
    }
  }
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::tan_float_avx2

#pragma GCC pop_options

#endif
