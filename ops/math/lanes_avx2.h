// The AVX2 operations of 8 floats (Avx2Float) and of 4 doubles (Avx2Double)
// under one set of names, so that a special function written once for lanes
// (zeta_lanes_avx2.h, igamma_lanes_avx2.h) compiles for both of TF's dtypes.
// Each name is one instruction (or two for Abs/Neg), with no FMA: these
// kernels must give the bits of TF's scalar code, which multiplies and adds
// separately.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

namespace opbridge::math {

#define OPBRIDGE_LANE __attribute__((target("avx2"), always_inline)) static inline

struct Avx2Float {
  using T = float;
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kAllMask = 0xff;

  OPBRIDGE_LANE V Set(T v) { return _mm256_set1_ps(v); }
  OPBRIDGE_LANE V Zero() { return _mm256_setzero_ps(); }
  OPBRIDGE_LANE V All() { return _mm256_castsi256_ps(_mm256_set1_epi32(-1)); }
  OPBRIDGE_LANE V Load(const T* p) { return _mm256_load_ps(p); }
  OPBRIDGE_LANE V LoadU(const T* p) { return _mm256_loadu_ps(p); }
  OPBRIDGE_LANE void Store(T* p, V v) { _mm256_store_ps(p, v); }
  OPBRIDGE_LANE void StoreU(T* p, V v) { _mm256_storeu_ps(p, v); }

  OPBRIDGE_LANE V Add(V a, V b) { return _mm256_add_ps(a, b); }
  OPBRIDGE_LANE V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
  OPBRIDGE_LANE V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  OPBRIDGE_LANE V Div(V a, V b) { return _mm256_div_ps(a, b); }
  OPBRIDGE_LANE V Abs(V v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }
  OPBRIDGE_LANE V Neg(V v) { return _mm256_xor_ps(v, _mm256_set1_ps(-0.0f)); }
  OPBRIDGE_LANE V Floor(V v) { return _mm256_floor_ps(v); }
  OPBRIDGE_LANE V Trunc(V v) { return _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }

  OPBRIDGE_LANE V And(V a, V b) { return _mm256_and_ps(a, b); }
  OPBRIDGE_LANE V Or(V a, V b) { return _mm256_or_ps(a, b); }
  OPBRIDGE_LANE V AndNot(V not_this, V b) { return _mm256_andnot_ps(not_this, b); }
  // mask ? yes : no, per lane.
  OPBRIDGE_LANE V Select(V mask, V yes, V no) { return _mm256_blendv_ps(no, yes, mask); }
  OPBRIDGE_LANE int Mask(V mask) { return _mm256_movemask_ps(mask); }
  // The mask whose lane l is set where bit l of `bits` is (Mask's inverse).
  OPBRIDGE_LANE V FromBits(int bits) {
    const __m256i lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i set = _mm256_and_si256(_mm256_set1_epi32(bits), lane_bits);
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(set, _mm256_setzero_si256()));
  }

  // Ordered comparisons (false with a NaN), and != (true with a NaN), as C++'s.
  OPBRIDGE_LANE V Lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  OPBRIDGE_LANE V Le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  OPBRIDGE_LANE V Gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  OPBRIDGE_LANE V Ge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  OPBRIDGE_LANE V Eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  OPBRIDGE_LANE V Ne(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_NEQ_UQ); }
  OPBRIDGE_LANE V IsNan(V v) { return _mm256_cmp_ps(v, v, _CMP_UNORD_Q); }
};

struct Avx2Double {
  using T = double;
  using V = __m256d;
  static constexpr int kLanes = 4;
  static constexpr int kAllMask = 0xf;

  OPBRIDGE_LANE V Set(T v) { return _mm256_set1_pd(v); }
  OPBRIDGE_LANE V Zero() { return _mm256_setzero_pd(); }
  OPBRIDGE_LANE V All() { return _mm256_castsi256_pd(_mm256_set1_epi32(-1)); }
  OPBRIDGE_LANE V Load(const T* p) { return _mm256_load_pd(p); }
  OPBRIDGE_LANE V LoadU(const T* p) { return _mm256_loadu_pd(p); }
  OPBRIDGE_LANE void Store(T* p, V v) { _mm256_store_pd(p, v); }
  OPBRIDGE_LANE void StoreU(T* p, V v) { _mm256_storeu_pd(p, v); }

  OPBRIDGE_LANE V Add(V a, V b) { return _mm256_add_pd(a, b); }
  OPBRIDGE_LANE V Sub(V a, V b) { return _mm256_sub_pd(a, b); }
  OPBRIDGE_LANE V Mul(V a, V b) { return _mm256_mul_pd(a, b); }
  OPBRIDGE_LANE V Div(V a, V b) { return _mm256_div_pd(a, b); }
  OPBRIDGE_LANE V Abs(V v) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), v); }
  OPBRIDGE_LANE V Neg(V v) { return _mm256_xor_pd(v, _mm256_set1_pd(-0.0)); }
  OPBRIDGE_LANE V Floor(V v) { return _mm256_floor_pd(v); }
  OPBRIDGE_LANE V Trunc(V v) { return _mm256_round_pd(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC); }

  OPBRIDGE_LANE V And(V a, V b) { return _mm256_and_pd(a, b); }
  OPBRIDGE_LANE V Or(V a, V b) { return _mm256_or_pd(a, b); }
  OPBRIDGE_LANE V AndNot(V not_this, V b) { return _mm256_andnot_pd(not_this, b); }
  OPBRIDGE_LANE V Select(V mask, V yes, V no) { return _mm256_blendv_pd(no, yes, mask); }
  OPBRIDGE_LANE int Mask(V mask) { return _mm256_movemask_pd(mask); }
  OPBRIDGE_LANE V FromBits(int bits) {
    const __m256i set = _mm256_and_si256(_mm256_set1_epi64x(bits), _mm256_setr_epi64x(1, 2, 4, 8));
    return _mm256_castsi256_pd(_mm256_cmpgt_epi64(set, _mm256_setzero_si256()));
  }

  OPBRIDGE_LANE V Lt(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LT_OQ); }
  OPBRIDGE_LANE V Le(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_LE_OQ); }
  OPBRIDGE_LANE V Gt(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
  OPBRIDGE_LANE V Ge(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
  OPBRIDGE_LANE V Eq(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_EQ_OQ); }
  OPBRIDGE_LANE V Ne(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_NEQ_UQ); }
  OPBRIDGE_LANE V IsNan(V v) { return _mm256_cmp_pd(v, v, _CMP_UNORD_Q); }
};

#undef OPBRIDGE_LANE

// f(v) per lane for the lanes of `mask` (others keep `v`): the C library
// call TF's scalar code makes, where no vector version with its bits exists.
template <typename L, typename F>
__attribute__((target("avx2"), always_inline)) inline typename L::V CallPerLane(typename L::V v, typename L::V mask,
                                                                              F f) {
  alignas(32) typename L::T values[L::kLanes];
  L::Store(values, v);
  const int lanes = L::Mask(mask);
  for (int l = 0; l < L::kLanes; ++l) {
    if (lanes & (1 << l)) values[l] = f(values[l]);
  }
  return L::Load(values);
}

// f(v, w) per lane for the lanes of `mask`, `others`' lanes elsewhere.
template <typename L, typename F>
__attribute__((target("avx2"), always_inline)) inline typename L::V CallPerLaneOver(typename L::V others,
                                                                                  typename L::V v, typename L::V w,
                                                                                  typename L::V mask, F f) {
  alignas(32) typename L::T values[L::kLanes], seconds[L::kLanes], results[L::kLanes];
  L::Store(values, v);
  L::Store(seconds, w);
  L::Store(results, others);
  const int lanes = L::Mask(mask);
  for (int l = 0; l < L::kLanes; ++l) {
    if (lanes & (1 << l)) results[l] = f(values[l], seconds[l]);
  }
  return L::Load(results);
}

// out[j] = f(a[j * step_a], b[j * step_b]) for j < n, steps 0 or 1 (one
// broadcast run, broadcast.h): whole vectors, the rest through one vector
// padded with (pad_a, pad_b) (f's lanes are independent).
template <typename L, typename F>
__attribute__((target("avx2"), always_inline)) inline void RunBinaryLanes(const typename L::T* a, int64_t step_a,
                                                                          const typename L::T* b, int64_t step_b,
                                                                          typename L::T* out, int64_t n,
                                                                          typename L::T pad_a, typename L::T pad_b,
                                                                          F f) {
  using T = typename L::T;
  const auto load = [](const T* p, int64_t step) __attribute__((target("avx2"), always_inline)) {
    return step != 0 ? L::LoadU(p) : L::Set(*p);
  };
  int64_t j = 0;
  for (; j + L::kLanes <= n; j += L::kLanes) {
    L::StoreU(out + j, f(load(a + j * step_a, step_a), load(b + j * step_b, step_b)));
  }
  if (j == n) return;
  alignas(32) T as[L::kLanes], bs[L::kLanes];
  for (int l = 0; l < L::kLanes; ++l) {
    as[l] = pad_a;
    bs[l] = pad_b;
  }
  for (int64_t i = j; i < n; ++i) {
    as[i - j] = a[i * step_a];
    bs[i - j] = b[i * step_b];
  }
  L::Store(as, f(L::Load(as), L::Load(bs)));
  for (int64_t i = j; i < n; ++i) out[i] = as[i - j];
}

}  // namespace opbridge::math

#endif  // __x86_64__
