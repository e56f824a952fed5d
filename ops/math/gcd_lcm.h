// torch's integer gcd and lcm (calc_gcd in ATen's Math.h and its lcm kernel), shared by
// opbridge_gcd.cc and opbridge_lcm.cc. torch works in the element type with C++'s promotions:
// int8/int16/uint8 arithmetic happens in int and is narrowed on store; int32/int64 wrap (the
// kernels here wrap through unsigned arithmetic, which is defined, where torch's is overflow).
#ifndef OPBRIDGE_OPS_MATH_GCD_LCM_H_
#define OPBRIDGE_OPS_MATH_GCD_LCM_H_

#include <cstdint>
#include <type_traits>

namespace opbridge {
namespace math {

// |a| wrapped into T: the minimum stays the minimum (torch's abs_impl, -a narrowed).
template <typename T>
T WrappedAbs(T a) {
  if constexpr (std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    return a < 0 ? static_cast<T>(static_cast<U>(U{0} - static_cast<U>(a))) : a;
  } else {
    return a;
  }
}

// Euclid's loop on the wrapped magnitudes, as torch: gcd(0, 0) = 0, and an operand at the
// minimum keeps its sign (gcd(INT_MIN, 0) = INT_MIN, gcd(INT64_MIN, 6) = -2). The remainder
// never divides the minimum by -1: the minimum only appears as b right after the first step,
// against a non-negative a.
template <typename T>
T TorchGcd(T a, T b) {
  a = WrappedAbs(a);
  b = WrappedAbs(b);
  while (a != 0) {
    const T c = a;
    a = static_cast<T>(b % a);
    b = c;
  }
  return b;
}

// a / g * b in T's arithmetic type, |.| wrapped, narrowed to T; 0 when g = 0. a / g with g = -1
// (gcd(INT64_MIN, 7) is -1 in torch) is INT_MIN / -1, where torch's process dies with SIGFPE;
// here it wraps to the minimum.
template <typename T>
T TorchLcm(T a, T b) {
  const T g = TorchGcd(a, b);
  if (g == 0) return T{0};
  if constexpr (sizeof(T) < sizeof(int)) {
    const int product = static_cast<int>(a) / static_cast<int>(g) * static_cast<int>(b);
    return static_cast<T>(product < 0 ? -product : product);  // fits: |a/g * b| <= 2^30
  } else {
    using U = std::make_unsigned_t<T>;
    const T quotient = g == -1 ? static_cast<T>(U{0} - static_cast<U>(a)) : static_cast<T>(a / g);
    const T product = static_cast<T>(static_cast<U>(quotient) * static_cast<U>(b));
    return WrappedAbs(product);
  }
}

}  // namespace math
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_MATH_GCD_LCM_H_
