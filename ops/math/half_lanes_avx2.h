// Eight half or bfloat16 values in a float AVX register: load (exact), round
// to the type and back (round to nearest even, as Eigen's conversions), store.
// For kernels that compute a 16-bit float type in float and round where TF's
// Eigen rounds (after every step of a running sum, say) without converting one
// element at a time: Eigen::half converts in software on the baseline build.
//
// Only for code inside a function compiled for AVX2 and F16C (these are
// always inlined into it) and called when UseF16c() (half_arrays.h). The
// values equal Eigen's scalar conversions; a NaN keeps its sign and becomes a
// quiet NaN in both, but its payload bits can differ for half (F16C keeps the
// top payload bits, Eigen makes 0x7e00).
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

#include <Eigen/Core>

namespace opbridge::math {

#define OPBRIDGE_HALF_LANES __attribute__((target("avx2,f16c"), always_inline)) inline

template <typename T>
struct HalfLanes;

template <>
struct HalfLanes<Eigen::half> {
  static OPBRIDGE_HALF_LANES __m256 Load(const Eigen::half* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static OPBRIDGE_HALF_LANES __m128i Narrow(__m256 v) { return _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT); }
  static OPBRIDGE_HALF_LANES __m256 Round(__m256 v) { return _mm256_cvtph_ps(Narrow(v)); }
  static OPBRIDGE_HALF_LANES void Store(Eigen::half* p, __m256 v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), Narrow(v));
  }
};

template <>
struct HalfLanes<Eigen::bfloat16> {
  static OPBRIDGE_HALF_LANES __m256 Load(const Eigen::bfloat16* p) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  // Eigen's float_to_bfloat16_rtne: add 0x7fff plus the kept part's lowest
  // bit, keep the top 16 bits; a NaN becomes 0x7fc0 or 0xffc0 by its sign.
  static OPBRIDGE_HALF_LANES __m256i RoundedBits(__m256 v) {
    const __m256i bits = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff)));
    const __m256i top = _mm256_and_si256(rounded, _mm256_set1_epi32(static_cast<int>(0xffff0000u)));
    const __m256i nan = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(static_cast<int>(0x80000000u))),
                                        _mm256_set1_epi32(0x7fc00000));
    const __m256 is_nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(top), _mm256_castsi256_ps(nan), is_nan));
  }
  static OPBRIDGE_HALF_LANES __m256 Round(__m256 v) { return _mm256_castsi256_ps(RoundedBits(v)); }
  static OPBRIDGE_HALF_LANES void Store(Eigen::bfloat16* p, __m256 v) {
    // The top halves of the eight lanes, in order (packus works per 128-bit lane).
    const __m256i high = _mm256_srli_epi32(RoundedBits(v), 16);
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(high, high), 0x08);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  }
};

#undef OPBRIDGE_HALF_LANES

}  // namespace opbridge::math
#endif
