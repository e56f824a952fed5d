// Digamma in AVX2 lanes, 8 floats or 4 doubles at a time (lanes_avx2.h), for
// CPUs with AVX2 (chosen at run time by digamma.cc and polygamma.cc; the
// baseline build evaluates Eigen's scalar functor).
//
// TF's kernel runs Eigen's scalar digamma per element (Eigen declares no
// packet digamma): reflection through tan for x <= 0, the recurrence
// psi(x) = psi(x + 1) - 1/x until x >= 10, then log(x) - 1/2x - the
// asymptotic series. Its two data-dependent branches (the sign, the loop's
// trip count) mispredict on mixed inputs, which made it ~130 cycles an
// element (float). Here the same operations run in lanes with masks: each
// lane sees the same IEEE operations in the same order (multiply and add
// separate, as in the baseline and TF's builds: no FMA target here), and the
// two library calls (tan for the reflection, log) are made per lane with the
// same arguments, so every element gets TF's bits.
#pragma once

#if defined(__x86_64__)

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "lanes_avx2.h"

namespace opbridge::math::digamma_lanes_avx2 {

#define OPBRIDGE_AVX2 __attribute__((target("avx2"), always_inline)) inline

// Eigen's digamma_impl_maybe_poly<T>: s < limit: z A(z), z = 1/s^2, A by
// Horner from its first coefficient; else 0.
template <typename L>
OPBRIDGE_AVX2 typename L::V AsymptoticSeries(typename L::V s) {
  using T = typename L::T;
  using V = typename L::V;
  static constexpr float kFloat[] = {-4.16666666666666666667E-3f, 3.96825396825396825397E-3f,
                                     -8.33333333333333333333E-3f, 8.33333333333333333333E-2f};
  static constexpr double kDouble[] = {8.33333333333333333333E-2,  -2.10927960927960927961E-2,
                                       7.57575757575757575758E-3,  -4.16666666666666666667E-3,
                                       3.96825396825396825397E-3,  -8.33333333333333333333E-3,
                                       8.33333333333333333333E-2};
  constexpr bool kIsFloat = std::is_same_v<T, float>;
  const auto& coefficients = [&]() -> const auto& {
    if constexpr (kIsFloat) return kFloat; else return kDouble;
  }();
  const V z = L::Div(L::Set(T(1)), L::Mul(s, s));
  V a = L::Set(coefficients[0]);
  for (size_t i = 1; i < std::size(coefficients); ++i) a = L::Add(L::Mul(a, z), L::Set(coefficients[i]));
  const T limit = kIsFloat ? T(1.0e8f) : T(1.0e17);
  return L::And(L::Lt(s, L::Set(limit)), L::Mul(z, a));
}

template <typename L>
OPBRIDGE_AVX2 typename L::V Digamma(typename L::V x) {
  using T = typename L::T;
  using V = typename L::V;
  const V zero = L::Zero(), one = L::Set(T(1)), half = L::Set(T(0.5));
  const V pi = L::Set(T(3.141592653589793238462643383279502884));
  const V negative = L::Le(x, zero);
  V nz = zero;
  V pole = zero;  // x a non-positive integer (or -inf): NaN
  if (L::Mask(negative) != 0) {
    // Eigen: p = floor(x); p == x: NaN; nz = x - p; nz != 1/2: (nz > 1/2: p += 1,
    // nz = x - p), nz = pi / tan(pi nz); nz == 1/2: nz = 0; x = 1 - x.
    const V q = x;
    V p = L::Floor(q);
    pole = L::And(negative, L::Eq(p, q));
    V frac = L::Sub(q, p);
    const V not_half = L::Ne(frac, half);
    const V above = L::Gt(frac, half);
    p = L::Select(above, L::Add(p, one), p);
    frac = L::Select(above, L::Sub(q, p), frac);
    const V reflect = L::AndNot(pole, L::And(negative, not_half));
    const V tangent = CallPerLane<L>(L::Mul(pi, frac), reflect, [](T v) { return std::tan(v); });
    nz = L::And(reflect, L::Div(pi, tangent));
    x = L::Select(negative, L::Sub(one, x), x);
  }
  // w = sum of 1/s while s < 10, s += 1 (a lane stops when its s reaches 10).
  const V ten = L::Set(T(10));
  V s = x, w = zero;
  for (V more = L::Lt(s, ten); L::Mask(more) != 0; more = L::Lt(s, ten)) {
    w = L::Select(more, L::Add(w, L::Div(one, s)), w);
    s = L::Select(more, L::Add(s, one), s);
  }
  const V series = AsymptoticSeries<L>(s);
  const V log_s = CallPerLane<L>(s, L::All(), [](T v) { return std::log(v); });
  V y = L::Sub(L::Sub(L::Sub(log_s, L::Div(half, s)), series), w);
  y = L::Select(negative, L::Sub(y, nz), y);
  return L::Select(pole, L::Set(std::numeric_limits<T>::quiet_NaN()), y);
}

#undef OPBRIDGE_AVX2

// y = digamma(x) of in[0, n): whole vectors, the rest through one padded
// vector (padding 1: the same operations for every element).
template <typename T>
__attribute__((target("avx2"))) inline void Apply(const T* in, T* out, int64_t n) {
  using L = std::conditional_t<std::is_same_v<T, float>, Avx2Float, Avx2Double>;
  int64_t i = 0;
  for (; i + L::kLanes <= n; i += L::kLanes) L::StoreU(out + i, Digamma<L>(L::LoadU(in + i)));
  if (i == n) return;
  alignas(32) T rest[L::kLanes];
  for (int l = 0; l < L::kLanes; ++l) rest[l] = T(1);
  for (int64_t j = i; j < n; ++j) rest[j - i] = in[j];
  L::Store(rest, Digamma<L>(L::Load(rest)));
  for (int64_t j = i; j < n; ++j) out[j] = rest[j - i];
}

}  // namespace opbridge::math::digamma_lanes_avx2

#endif  // __x86_64__
