// Scalar arithmetic on real or complex T as TF's kernels compute it, for
// kernels that repeat TF's operations in TF's order to give its bits (the
// linalg solvers; complex_float_scalar.h's Sigmoid pieces). For real T each
// is the plain operation.
//   PacketMul: Eigen's packet complex product (no NaN recovery, as
//     std::complex's operator* has under GCC).
//   SmithDivide: std::complex division as TF's clang-built wheel computes it,
//     Smith's algorithm in T's own precision. GCC 12's libgcc divides float
//     complex in double (__divsc3), which rounds some quotients 1 ulp apart.
//   PacketDivide: Eigen's packet complex division (pdiv_complex): the divisor
//     scaled by the larger magnitude of its parts first.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <type_traits>

namespace opbridge {
namespace math {

template <typename T>
struct IsComplex : std::false_type {};
template <typename R>
struct IsComplex<std::complex<R>> : std::true_type {};

template <typename T>
inline T Conj(const T& a) {
  if constexpr (IsComplex<T>::value) {
    return std::conj(a);
  } else {
    return a;
  }
}

template <typename T>
inline T PacketMul(const T& a, const T& b) {
  if constexpr (IsComplex<T>::value) {
    return T(a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real());
  } else {
    return a * b;
  }
}

// The ratio of the smaller to the larger part of b keeps the denominator in
// range; NaN and infinite parts as TF's (checked against TF over special
// values for complex64 Sigmoid).
template <typename T>
inline T SmithDivide(const T& a, const T& b) {
  if constexpr (IsComplex<T>::value) {
    using R = typename T::value_type;
    const R ar = a.real(), ai = a.imag(), c = b.real(), d = b.imag();
    if (std::abs(c) < std::abs(d)) {
      const R ratio = c / d;
      const R denom = c * ratio + d;
      return T((ar * ratio + ai) / denom, (ai * ratio - ar) / denom);
    }
    const R ratio = d / c;
    const R denom = d * ratio + c;
    return T((ai * ratio + ar) / denom, (ai - ar * ratio) / denom);
  } else {
    return a / b;
  }
}

template <typename T>
inline T PacketDivide(const T& a, const T& b) {
  if constexpr (IsComplex<T>::value) {
    using R = typename T::value_type;
    const R m = std::max(std::abs(b.real()), std::abs(b.imag()));
    const R c = b.real() / m, d = b.imag() / m;
    const R denom = c * c + d * d;
    const R re = a.real() * c - a.imag() * -d;
    const R im = a.real() * -d + a.imag() * c;
    return T(re / denom / m, im / denom / m);
  } else {
    return a / b;
  }
}

}  // namespace math
}  // namespace opbridge
