// Eigen's float packet algorithms for atanh (patanh_float with plog_float),
// ndtri (generic_ndtri) and erfinv (ndtri's), 8 lanes wide, for the CPUs with
// AVX2 (chosen at run time by atanh.cc, ndtri.cc and erfinv.cc: the library is
// built for baseline x86-64, so Eigen evaluates them 4 lanes wide there).
//
// TF's wheel evaluates the same packet code compiled for AVX without FMA, so
// every multiply-add here is a multiply then an add, as Eigen's pmadd is in
// that build: the results are TF's bits. The target is "avx2" without "fma" so
// that the compiler cannot contract them either. Eigen itself is not used:
// AVX-compiled Eigen templates could stand in for the baseline ones elsewhere
// in the library (docs/design.md); every function here carries the target
// attribute and stays in this header's namespace.
// atanh: |x| < 1/2:  x + x^3 P(x^2)  (Eigen's degree-4 P)
//        |x| >= 1/2: log((1 + x) / (1 - x)) / 2, log as Eigen's plog_float:
//                    m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) = p(m-1)/q(m-1)
// erfinv: ndtri(x / 2 + 1/2) sqrt(1/2), ndtri as Cephes' (Eigen's generic_ndtri):
//         a rational function of b - 1/2 above exp(-2), of 1/sqrt(-2 log b) below;
//         1/z as TF's AVX Eigen computes it (rcp plus one Newton step).
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace opbridge::math::special_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

OPBRIDGE_AVX2 __m256 Set(float v) { return _mm256_set1_ps(v); }

OPBRIDGE_AVX2 __m256 SetBits(uint32_t bits) {
  return _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int32_t>(bits)));
}

// Eigen's pmadd in an AVX build without FMA.
OPBRIDGE_AVX2 __m256 Madd(__m256 a, __m256 b, __m256 c) { return _mm256_add_ps(_mm256_mul_ps(a, b), c); }

// Eigen's pselect(mask, a, b).
OPBRIDGE_AVX2 __m256 Select(__m256 mask, __m256 a, __m256 b) { return _mm256_blendv_ps(b, a, mask); }

// plog_float: exact for positive normal lanes, and Eigen's special lanes
// (NaN for negative and NaN, -inf at 0, +inf at +inf); positive subnormals,
// which Eigen normalizes first, never reach it from the callers here.
OPBRIDGE_AVX2 __m256 Log(__m256 r) {
  const __m256 one = Set(1.0f);
  const __m256 zero = _mm256_setzero_ps();
  const __m256 inf = Set(std::numeric_limits<float>::infinity());
  // pfrexp: mantissa in [0.5, 1), exponent = biased exponent - 126.
  const __m256i biased = _mm256_srli_epi32(_mm256_castps_si256(_mm256_andnot_ps(Set(-0.0f), r)), 23);
  __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(biased), Set(-126.0f));
  __m256 m = _mm256_or_ps(_mm256_and_ps(r, SetBits(0x807fffffu)), Set(0.5f));
  // Shift [0.5, 1) to [sqrt(1/2), sqrt(2)) and subtract 1, in Eigen's order.
  const __m256 below = _mm256_cmp_ps(m, Set(0.707106781186547524f), _CMP_LT_OQ);
  const __m256 tmp = _mm256_and_ps(m, below);
  m = _mm256_sub_ps(m, one);
  e = _mm256_sub_ps(e, _mm256_and_ps(one, below));
  m = _mm256_add_ps(m, tmp);
  __m256 p = Madd(Madd(Set(0.18256296349849254f), m, Set(1.0000000190281063f)), m, Set(1.0000000190281136f));
  p = _mm256_mul_ps(m, p);
  const __m256 q = Madd(
      Madd(Madd(Set(0.049616247954120038f), m, Set(0.59923249590823520f)), m, Set(1.4999999999999927f)), m,
      Set(1.0f));
  const __m256 log =
      Madd(e, Set(static_cast<float>(0.693147180559945309417232121458176568L)), _mm256_div_ps(p, q));
  const __m256 invalid = _mm256_cmp_ps(r, zero, _CMP_NGE_UQ);
  const __m256 is_zero = _mm256_cmp_ps(r, zero, _CMP_EQ_OQ);
  const __m256 is_inf = _mm256_cmp_ps(r, inf, _CMP_EQ_OQ);
  return Select(is_zero, Set(-std::numeric_limits<float>::infinity()),
                _mm256_or_ps(Select(is_inf, inf, log), invalid));
}

// Eigen's ppolevl: Horner from c[0], the highest degree.
template <int N>
OPBRIDGE_AVX2 __m256 Polevl(__m256 x, const float (&c)[N]) {
  __m256 p = Set(c[0]);
  for (int i = 1; i < N; ++i) p = Madd(p, x, Set(c[i]));
  return p;
}

// Eigen's preciprocal for 8 floats with EIGEN_FAST_MATH (TF's build): the
// hardware estimate refined by one Newton step, kept where the step is NaN.
OPBRIDGE_AVX2 __m256 Reciprocal(__m256 a) {
  const __m256 x = _mm256_rcp_ps(a);
  const __m256 tmp = _mm256_sub_ps(Set(1.0f), _mm256_mul_ps(a, x));
  return Select(_mm256_cmp_ps(tmp, tmp, _CMP_EQ_OQ), Madd(x, tmp, x), x);
}

// atanh of in[0, n), n a multiple of 8.
__attribute__((target("avx2"))) inline void AtanhFloat(const float* in, float* out, int64_t n) {
  const __m256 half = Set(0.5f);
  const __m256 one = Set(1.0f);
  const __m256 sign_mask = Set(-0.0f);
  const __m256 inf = Set(std::numeric_limits<float>::infinity());
  for (int64_t i = 0; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    const __m256 x2 = _mm256_mul_ps(x, x);
    const __m256 x3 = _mm256_mul_ps(x, x2);
    __m256 p = Set(0.1819281280040740966796875f);
    p = Madd(p, x2, Set(8.2311116158962249755859375e-2f));
    p = Madd(p, x2, Set(0.14672131836414337158203125f));
    p = Madd(p, x2, Set(0.1997792422771453857421875f));
    p = Madd(p, x2, Set(0.3333373963832855224609375f));
    p = Madd(x3, p, x);
    const __m256 r =
        _mm256_mul_ps(half, Log(_mm256_div_ps(_mm256_add_ps(one, x), _mm256_sub_ps(one, x))));
    const __m256 abs_x = _mm256_andnot_ps(sign_mask, x);
    const __m256 x_ge_half = _mm256_cmp_ps(half, abs_x, _CMP_LE_OQ);
    const __m256 x_eq_one = _mm256_cmp_ps(one, abs_x, _CMP_EQ_OQ);
    const __m256 x_gt_one = _mm256_cmp_ps(one, abs_x, _CMP_LT_OQ);
    const __m256 signed_inf = _mm256_or_ps(_mm256_and_ps(sign_mask, x), inf);
    _mm256_storeu_ps(out + i, _mm256_or_ps(x_gt_one, Select(x_eq_one, signed_inf, Select(x_ge_half, r, p))));
  }
}

// Cephes' ndtri as Eigen writes it (generic_ndtri and its two halves).
OPBRIDGE_AVX2 __m256 NdtriAboveExpNegTwo(__m256 b) {
  static constexpr float p0[] = {-5.99633501014107895267e1,
                                 9.80010754185999661536e1,
                                 -5.66762857469070293439e1,
                                 1.39312609387279679503e1,
                                 -1.23916583867381258016e0};
  static constexpr float q0[] = {1.0,
                                 1.95448858338141759834e0,
                                 4.67627912898881538453e0,
                                 8.63602421390890590575e1,
                                 -2.25462687854119370527e2,
                                 2.00260212380060660359e2,
                                 -8.20372256168333339912e1,
                                 1.59056225126211695515e1,
                                 -1.18331621121330003142e0};
  const __m256 c = _mm256_sub_ps(b, Set(0.5f));
  const __m256 c2 = _mm256_mul_ps(c, c);
  const __m256 r = Madd(c, _mm256_mul_ps(c2, _mm256_div_ps(Polevl(c2, p0), Polevl(c2, q0))), c);
  return _mm256_mul_ps(r, Set(2.50662827463100050242f));
}

// (x0 - x1), negated where should_flipsign is not set.
OPBRIDGE_AVX2 __m256 Finish(__m256 x0, __m256 x1, __m256 should_flipsign) {
  return _mm256_xor_ps(_mm256_and_ps(should_flipsign, Set(-0.0f)), _mm256_sub_ps(x0, x1));
}

OPBRIDGE_AVX2 __m256 NdtriBelowExpNegTwo(__m256 b, __m256 should_flipsign) {
  static constexpr float p1[] = {4.05544892305962419923e0,
                                 3.15251094599893866154e1,
                                 5.71628192246421288162e1,
                                 4.40805073893200834700e1,
                                 1.46849561928858024014e1,
                                 2.18663306850790267539e0,
                                 -1.40256079171354495875e-1,
                                 -3.50424626827848203418e-2,
                                 -8.57456785154685413611e-4};
  static constexpr float q1[] = {1.0,
                                 1.57799883256466749731e1,
                                 4.53907635128879210584e1,
                                 4.13172038254672030440e1,
                                 1.50425385692907503408e1,
                                 2.50464946208309415979e0,
                                 -1.42182922854787788574e-1,
                                 -3.80806407691578277194e-2,
                                 -9.33259480895457427372e-4};
  static constexpr float p2[] = {3.23774891776946035970e0,
                                 6.91522889068984211695e0,
                                 3.93881025292474443415e0,
                                 1.33303460815807542389e0,
                                 2.01485389549179081538e-1,
                                 1.23716634817820021358e-2,
                                 3.01581553508235416007e-4,
                                 2.65806974686737550832e-6,
                                 6.23974539184983293730e-9};
  static constexpr float q2[] = {1.0,
                                 6.02427039364742014255e0,
                                 3.67983563856160859403e0,
                                 1.37702099489081330271e0,
                                 2.16236993594496635890e-1,
                                 1.34204006088543189037e-2,
                                 3.28014464682127739104e-4,
                                 2.89247864745380683936e-6,
                                 6.79019408009981274425e-9};
  const __m256 x = _mm256_sqrt_ps(_mm256_mul_ps(Set(-2.0f), Log(b)));
  const __m256 x0 = _mm256_sub_ps(x, _mm256_div_ps(Log(x), x));
  const __m256 z = Reciprocal(x);
  const __m256 below8 = _mm256_div_ps(Polevl(z, p1), Polevl(z, q1));
  // Eigen evaluates both rational functions; every lane is computed alone, so
  // the one no lane selects (x >= 8 only below exp(-32)) can be skipped.
  const __m256 x_below8 = _mm256_cmp_ps(x, Set(8.0f), _CMP_LT_OQ);
  if (_mm256_movemask_ps(x_below8) == 0xff) return Finish(x0, _mm256_mul_ps(z, below8), should_flipsign);
  const __m256 above8 = _mm256_div_ps(Polevl(z, p2), Polevl(z, q2));
  const __m256 x1 = _mm256_mul_ps(z, Select(x_below8, below8, above8));
  return Finish(x0, x1, should_flipsign);
}

// Generic_ndtri's ends (-inf at a = 0, +inf at a = 1) over the computed lanes,
// times sqrt(1/2) for erfinv.
template <bool kErfinv>
OPBRIDGE_AVX2 __m256 NdtriEnds(__m256 a, __m256 ndtri) {
  const __m256 inf = Set(std::numeric_limits<float>::infinity());
  const __m256 y = Select(_mm256_cmp_ps(a, _mm256_setzero_ps(), _CMP_EQ_OQ), _mm256_xor_ps(inf, Set(-0.0f)),
                          Select(_mm256_cmp_ps(Set(1.0f), a, _CMP_EQ_OQ), inf, ndtri));
  return kErfinv ? _mm256_mul_ps(y, Set(static_cast<float>(M_SQRT1_2))) : y;
}

// ndtri(in) (or erfinv(in) = ndtri(in / 2 + 1/2) sqrt(1/2)) over in[0, n), n a
// multiple of 8. Generic_ndtri's cheap half (b above exp(-2), ~3/4 of uniform
// inputs) runs on every packet; the lanes below go into a list and run the
// expensive half 8 at a time, packed from several packets (Eigen runs both
// halves on every packet). Each lane is computed alone, by the same
// instructions wherever it sits: Eigen's bits for every lane.
template <bool kErfinv>
__attribute__((target("avx2"))) void NdtriOrErfinv(const float* in, float* out, int64_t n) {
  const __m256 one = Set(1.0f);
  const __m256 exp_neg_two = Set(0.13533528323661269189f);
  constexpr int64_t kBlock = 256;
  alignas(32) float below_a[kBlock + 8];
  alignas(32) float below_y[kBlock + 8];
  int32_t below_index[kBlock + 8];
  for (int64_t block = 0; block < n; block += kBlock) {
    const int64_t block_end = std::min(n, block + kBlock);
    int count = 0;
    for (int64_t i = block; i < block_end; i += 8) {
      const __m256 x = _mm256_loadu_ps(in + i);
      const __m256 a = kErfinv ? _mm256_add_ps(_mm256_mul_ps(x, Set(0.5f)), Set(0.5f)) : x;
      const __m256 should_flipsign = _mm256_cmp_ps(a, _mm256_sub_ps(one, exp_neg_two), _CMP_LE_OQ);
      const __m256 b = Select(should_flipsign, a, _mm256_sub_ps(one, a));
      const int above = _mm256_movemask_ps(_mm256_cmp_ps(exp_neg_two, b, _CMP_LT_OQ));
      if (above == 0) {  // all below: no list
        _mm256_storeu_ps(out + i, NdtriEnds<kErfinv>(a, NdtriBelowExpNegTwo(b, should_flipsign)));
        continue;
      }
      _mm256_storeu_ps(out + i, NdtriEnds<kErfinv>(a, NdtriAboveExpNegTwo(b)));
      if (above == 0xff) continue;
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, a);
      for (int k = 0; k < 8; ++k) {  // appends the lanes below, without branches on them
        below_a[count] = lanes[k];
        below_index[count] = static_cast<int32_t>(i - block + k);
        count += ~above >> k & 1;
      }
    }
    for (int k = count; k % 8 != 0; ++k) below_a[k] = 0.5f;  // padding lanes: any value
    for (int k = 0; k < count; k += 8) {
      // b and the sign again from a: the same instructions as the packet's lanes.
      const __m256 a = _mm256_load_ps(below_a + k);
      const __m256 should_flipsign = _mm256_cmp_ps(a, _mm256_sub_ps(one, exp_neg_two), _CMP_LE_OQ);
      const __m256 b = Select(should_flipsign, a, _mm256_sub_ps(one, a));
      _mm256_store_ps(below_y + k, NdtriEnds<kErfinv>(a, NdtriBelowExpNegTwo(b, should_flipsign)));
    }
    for (int k = 0; k < count; ++k) out[block + below_index[k]] = below_y[k];
  }
}

// erfinv of in[0, n), n a multiple of 8, as ndtri(x * 0.5 + 0.5) * sqrt(1/2).
__attribute__((target("avx2"))) inline void ErfinvFloat(const float* in, float* out, int64_t n) {
  NdtriOrErfinv<true>(in, out, n);
}

// ndtri of in[0, n), n a multiple of 8.
__attribute__((target("avx2"))) inline void NdtriFloat(const float* in, float* out, int64_t n) {
  NdtriOrErfinv<false>(in, out, n);
}

#undef OPBRIDGE_AVX2

}  // namespace opbridge::math::special_avx2

#endif  // __x86_64__
