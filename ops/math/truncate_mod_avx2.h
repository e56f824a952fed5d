// TruncateMod's int64 and float runs on AVX2 CPUs (truncate_mod.cc): the
// remainder through a double quotient, 4 lanes at a time, where that is exact;
// every other element as before (C's % or the C library's fmodf).
//
// Why: TF and the scalar kernel both take a 64-bit idiv per int64 element and
// a glibc fmodf per float (fmodf shifts and subtracts bit by bit, ~35 ns an
// element on the bench's quotients up to 2^13); the ratio sat at 0.9-1.0.
//
// Exactness. Let x and y be integers on one grid (for floats: multiples of the
// finer of their last bits), t = x / y, q = trunc(t). The double quotient
// fl(t) is within |t| 2^-53 of t, q is representable and fl monotonic, so
// trunc(fl(t)) is q unless fl(t) reaches |q| + 1; but |q| + 1 - |t| >= 1 / |y|,
// which exceeds (|q| + 1) 2^-53 whenever |x| + |y| < 2^53. Then q * y (at most
// |x|) and x - q * y are exact in double too. The lanes ask for:
// - int64: |x|, |y| < 2^51 (also the range of the add-a-constant conversions
//   between int64 and double, which AVX2 lacks as instructions);
// - float: x zero or normal, y normal, |fl(x / y)| < 2^27 (so on the common
//   grid |x| + |y| < 2^52), and the remainder zero or normal. The remainder
//   then has at most 24 bits: converting it to float is exact, and it is what
//   fmodf returns, with x's sign (also for a zero remainder, as fmodf).
//   Subnormals, infinities, NaN, zero divisors, huge quotients and subnormal
//   remainders go to fmodf itself: under the kernels' flush-to-zero mode
//   glibc's fmodf flushes a subnormal remainder and its wrapper reads a
//   subnormal divisor as zero (docs/ops/truncate_div_mod.md), which lanes
//   need not imitate.
// int64's remainder is an integer, so no sign question arises.
#pragma once

#if defined(__x86_64__)

#include <immintrin.h>

#include <cstdint>

namespace opbridge::math {

#define OPBRIDGE_MOD_LANES __attribute__((target("avx2"), always_inline)) inline

// 2^52 + 2^51: adding it to an integer of magnitude below 2^51 puts the
// integer in a double's mantissa bits, exactly (both ways).
constexpr double kIntMagic = 6755399441055744.0;
constexpr int64_t kIntMagicBits = 0x4338000000000000;

OPBRIDGE_MOD_LANES __m256d Int64ToDouble(__m256i v) {
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_add_epi64(v, _mm256_set1_epi64x(kIntMagicBits))),
                       _mm256_set1_pd(kIntMagic));
}

OPBRIDGE_MOD_LANES __m256i DoubleToInt64(__m256d v) {
  return _mm256_sub_epi64(_mm256_castpd_si256(_mm256_add_pd(v, _mm256_set1_pd(kIntMagic))),
                          _mm256_set1_epi64x(kIntMagicBits));
}

// x - trunc(x / y) * y in double: exact under the conditions above.
OPBRIDGE_MOD_LANES __m256d ExactRemainder(__m256d x, __m256d y) {
  const __m256d q = _mm256_round_pd(_mm256_div_pd(x, y), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  return _mm256_sub_pd(x, _mm256_mul_pd(q, y));
}

// x % y of 4 int64 lanes; *exact gets the bits of the lanes within 2^51.
OPBRIDGE_MOD_LANES __m256i ModInt64Lanes(__m256i x, __m256i y, int* exact) {
  const __m256i below = _mm256_set1_epi64x(-(int64_t{1} << 51) - 1), above = _mm256_set1_epi64x(int64_t{1} << 51);
  const __m256i x_in = _mm256_and_si256(_mm256_cmpgt_epi64(x, below), _mm256_cmpgt_epi64(above, x));
  const __m256i y_in = _mm256_and_si256(_mm256_cmpgt_epi64(y, below), _mm256_cmpgt_epi64(above, y));
  *exact = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_and_si256(x_in, y_in)));
  return DoubleToInt64(ExactRemainder(Int64ToDouble(x), Int64ToDouble(y)));
}

// fmod of 4 floats' values in double lanes; *exact gets the lanes whose
// quotient is below 2^27 and whose remainder is zero or a normal float.
OPBRIDGE_MOD_LANES __m128 FmodFloatHalf(__m128 x, __m128 y, int* exact) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d dx = _mm256_cvtps_pd(x), dy = _mm256_cvtps_pd(y);
  const __m256d q = _mm256_div_pd(dx, dy);
  const __m256d small = _mm256_cmp_pd(_mm256_andnot_pd(sign, q), _mm256_set1_pd(134217728.0), _CMP_LT_OQ);
  const __m256d r = _mm256_sub_pd(dx, _mm256_mul_pd(_mm256_round_pd(q, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC), dy));
  const __m256d r_abs = _mm256_andnot_pd(sign, r);
  const __m256d tiny = _mm256_and_pd(_mm256_cmp_pd(r_abs, _mm256_set1_pd(0x1p-126), _CMP_LT_OQ),
                                     _mm256_cmp_pd(r_abs, _mm256_setzero_pd(), _CMP_NEQ_UQ));
  *exact = _mm256_movemask_pd(_mm256_andnot_pd(tiny, small));
  return _mm256_cvtpd_ps(r);
}

// fmod of 8 float lanes with x's sign; *exact as FmodFloatHalf's, and only
// for x zero or normal and y normal.
OPBRIDGE_MOD_LANES __m256 FmodFloatLanes(__m256 x, __m256 y, int* exact) {
  const __m256i abs_bits = _mm256_set1_epi32(0x7fffffff), last_subnormal = _mm256_set1_epi32(0x007fffff),
                inf = _mm256_set1_epi32(0x7f800000);
  const __m256i ax = _mm256_and_si256(_mm256_castps_si256(x), abs_bits);
  const __m256i ay = _mm256_and_si256(_mm256_castps_si256(y), abs_bits);
  // Bits, not float compares: the flush-to-zero mode would call subnormals zero.
  const __m256i y_normal = _mm256_and_si256(_mm256_cmpgt_epi32(ay, last_subnormal), _mm256_cmpgt_epi32(inf, ay));
  const __m256i x_zero = _mm256_cmpeq_epi32(ax, _mm256_setzero_si256());
  const __m256i x_zero_or_normal =
      _mm256_and_si256(_mm256_or_si256(_mm256_cmpgt_epi32(ax, last_subnormal), x_zero), _mm256_cmpgt_epi32(inf, ax));
  int low = 0, high = 0;
  const __m128 r_low = FmodFloatHalf(_mm256_castps256_ps128(x), _mm256_castps256_ps128(y), &low);
  const __m128 r_high = FmodFloatHalf(_mm256_extractf128_ps(x, 1), _mm256_extractf128_ps(y, 1), &high);
  *exact = (low | high << 4) & _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_and_si256(y_normal, x_zero_or_normal)));
  const __m256 r = _mm256_set_m128(r_high, r_low);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  return _mm256_or_ps(_mm256_andnot_ps(sign, r), _mm256_and_ps(sign, x));
}

#undef OPBRIDGE_MOD_LANES

// One vector of T: 8 floats or 4 int64.
template <typename T>
struct ModVector;

template <>
struct ModVector<float> {
  using V = __m256;
  static constexpr int kLanes = 8;
  __attribute__((target("avx2"), always_inline)) static V Load(const float* p, int64_t step) {
    return step != 0 ? _mm256_loadu_ps(p) : _mm256_set1_ps(*p);
  }
  __attribute__((target("avx2"), always_inline)) static void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
  __attribute__((target("avx2"), always_inline)) static V Mod(V x, V y, int* exact) {
    return FmodFloatLanes(x, y, exact);
  }
};

template <>
struct ModVector<int64_t> {
  using V = __m256i;
  static constexpr int kLanes = 4;
  __attribute__((target("avx2"), always_inline)) static V Load(const int64_t* p, int64_t step) {
    return step != 0 ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_set1_epi64x(*p);
  }
  __attribute__((target("avx2"), always_inline)) static void Store(int64_t* p, V v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
  }
  __attribute__((target("avx2"), always_inline)) static V Mod(V x, V y, int* exact) {
    return ModInt64Lanes(x, y, exact);
  }
};

// out[j] = a[j * step_a] % b[j * step_b] (steps 0 or 1), T float or int64:
// lanes, and the kernel's scalar(x, y) for the elements the lanes cannot take
// exactly. The last n % kLanes elements go through one vector padded with
// 0 % 1. Each vector is completed before it is stored, so out may be a or b.
template <typename T, typename Scalar>
__attribute__((target("avx2"))) void TruncModAvx2(const T* a, int64_t step_a, const T* b, int64_t step_b, T* out,
                                                  int64_t n, Scalar& scalar) {
  using M = ModVector<T>;
  constexpr int L = M::kLanes;
  constexpr int kAll = (1 << L) - 1;
  alignas(32) T as[L], bs[L], zs[L];
  // Lanes not in `exact` recomputed by scalar from as/bs, into zs.
  const auto redo = [&](int exact, int count) {
    for (int l = 0; l < count; ++l) {
      if (!(exact & (1 << l))) zs[l] = scalar(as[l], bs[l]);
    }
  };
  int64_t j = 0;
  for (; j + L <= n; j += L) {
    const auto x = M::Load(a + j * step_a, step_a), y = M::Load(b + j * step_b, step_b);
    int exact = 0;
    const auto z = M::Mod(x, y, &exact);
    if (__builtin_expect(exact == kAll, 1)) {
      M::Store(out + j, z);
      continue;
    }
    M::Store(as, x);
    M::Store(bs, y);
    M::Store(zs, z);
    redo(exact, L);
    for (int l = 0; l < L; ++l) out[j + l] = zs[l];
  }
  if (j == n) return;
  for (int l = 0; l < L; ++l) {
    as[l] = T(0);
    bs[l] = T(1);
  }
  for (int64_t i = j; i < n; ++i) {
    as[i - j] = a[i * step_a];
    bs[i - j] = b[i * step_b];
  }
  int exact = 0;
  M::Store(zs, M::Mod(M::Load(as, 1), M::Load(bs, 1), &exact));
  const int count = static_cast<int>(n - j);
  redo(exact, count);
  for (int l = 0; l < count; ++l) out[j + l] = zs[l];
}

}  // namespace opbridge::math

#endif  // __x86_64__
