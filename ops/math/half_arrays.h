// Arrays of half and bfloat16 widened to float and rounded back, for the
// kernels that compute those types in float (softmax rows, matmul, Mean).
//
// Eigen::half converts one element at a time in software on the baseline
// build (no F16C): about as slow as the arithmetic it brackets. CPUs with AVX2
// have F16C, whose conversions are exact (half to float) and round to nearest
// even (float to half), the same values as Eigen's; only a NaN's payload bits
// can differ. bfloat16 converts by shifts, which GCC vectorizes.
// OPBRIDGE_NO_AVX2=1 takes the software path (avx2_dispatch.h).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "avx2_dispatch.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge::math {

// The 16-bit float types, which TF's kernels compute in float and round.
template <typename T>
constexpr bool kHalfType = std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16>;

#if defined(__x86_64__)
#define OPBRIDGE_F16C __attribute__((target("avx,f16c"))) inline

OPBRIDGE_F16C void HalfToFloatF16c(const Eigen::half* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  }
  for (; i < n; ++i) {
    uint16_t bits;
    std::memcpy(&bits, in + i, sizeof bits);
    out[i] = _cvtsh_ss(bits);
  }
}

OPBRIDGE_F16C void FloatToHalfF16c(const float* in, Eigen::half* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) {
    const uint16_t bits = _cvtss_sh(in[i], _MM_FROUND_TO_NEAREST_INT);
    std::memcpy(static_cast<void*>(out + i), &bits, sizeof bits);
  }
}

#undef OPBRIDGE_F16C
#endif

inline bool UseF16c() {
#if defined(__x86_64__) && !defined(OPBRIDGE_WITHOUT_AVX2)  // (avx2_dispatch.h)
  static const bool use = UseAvx2() && Cpu().f16c;
  return use;
#else
  return false;
#endif
}

// out[i] = float(in[i]), exactly.
template <typename T>
void Widen(const T* in, float* out, int64_t n) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, Eigen::half>) {
    if (UseF16c()) {
      HalfToFloatF16c(in, out, n);
      return;
    }
  }
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
}

// out[i] = T(in[i]), rounded to nearest even.
template <typename T>
void Narrow(const float* in, T* out, int64_t n) {
#if defined(__x86_64__)
  if constexpr (std::is_same_v<T, Eigen::half>) {
    if (UseF16c()) {
      FloatToHalfF16c(in, out, n);
      return;
    }
  }
#endif
  if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
    // Eigen's float_to_bfloat16_rtne in integer steps without its branch (GCC
    // keeps the branch scalar): a NaN is the quiet NaN of its sign, anything
    // else rounds to nearest even.
    for (int64_t i = 0; i < n; ++i) {
      uint32_t u;
      std::memcpy(&u, in + i, sizeof(u));
      const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
      const uint32_t nan = ((u >> 16) & 0x8000u) | 0x7fc0u;
      const uint16_t bits = static_cast<uint16_t>((u & 0x7fffffffu) > 0x7f800000u ? nan : rounded);
      std::memcpy(out + i, &bits, sizeof(bits));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(in[i]);
}

// out[i] = T(fn(float(in[i]))): fn on the widened values, each result
// rounded to T once; by blocks of 256 values.
template <typename T, typename Fn>
void MapWidened(const T* in, T* out, int64_t n, Fn&& fn) {
  float block[256];
  for (int64_t i = 0; i < n; i += 256) {
    const int64_t m = n - i < 256 ? n - i : 256;
    Widen(in + i, block, m);
    for (int64_t j = 0; j < m; ++j) block[j] = fn(block[j]);
    Narrow(block, out + i, m);
  }
}

// v[i] = float(T(v[i])): each value rounded to T's precision, in place,
// through `scratch` (n elements of T).
template <typename T>
void RoundTo(float* v, T* scratch, int64_t n) {
  Narrow(v, scratch, n);
  Widen(scratch, v, n);
}

}  // namespace opbridge::math
