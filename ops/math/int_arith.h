// Integer arithmetic as TF's CPU kernels compute it, without undefined
// behaviour: TF's int kernels are C++ operators on T, which wrap on overflow
// in practice (two's complement) but are undefined for signed types, trap on
// INT_MIN / -1, and promote int8/int16/uint16 to int (where 65535 * 65535
// overflows int). Here every sum, difference and product is taken modulo
// 2^64 in uint64_t and truncated to T: the same bits TF's wrapping gives, and
// clean under UBSan (make sanitize).
//
// For floating and complex T each helper is the plain operator.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace math {

template <typename T>
constexpr bool kWrapping = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename T>
T WrapAdd(T x, T y) {
  if constexpr (kWrapping<T>) {
    return static_cast<T>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
  } else {
    return x + y;
  }
}

template <typename T>
T WrapSub(T x, T y) {
  if constexpr (kWrapping<T>) {
    return static_cast<T>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
  } else {
    return x - y;
  }
}

template <typename T>
T WrapMul(T x, T y) {
  if constexpr (kWrapping<T>) {
    return static_cast<T>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
  } else {
    return x * y;
  }
}

template <typename T>
T WrapNeg(T x) {
  if constexpr (kWrapping<T>) {
    return static_cast<T>(uint64_t{0} - static_cast<uint64_t>(x));
  } else {
    return -x;
  }
}

// x / y truncated toward zero (C's and TF's Div on ints); y != 0 is checked
// before (CheckNonZeroDivisors). INT_MIN / -1 wraps to INT_MIN (it traps in C).
template <typename T>
T TruncDivInt(T x, T y) {
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return WrapNeg(x);
  }
  return static_cast<T>(x / y);
}

// x % y with the sign of x (C's); INT_MIN % -1 is 0 (it traps in C).
template <typename T>
T TruncModInt(T x, T y) {
  if constexpr (std::is_signed_v<T>) {
    if (y == T(-1)) return T(0);
  }
  return static_cast<T>(x % y);
}

// floor(x / y) (TF's FloorDiv on ints; numpy's floor_divide).
template <typename T>
T FloorDivInt(T x, T y) {
  const T q = TruncDivInt(x, y);
  if constexpr (std::is_signed_v<T>) {
    // The truncated quotient is one too large when the division is inexact
    // and the signs differ.
    if (TruncModInt(x, y) != T(0) && ((x < T(0)) != (y < T(0)))) return static_cast<T>(q - 1);
  }
  return q;
}

// x - floor(x / y) * y, the sign of y (TF's FloorMod on ints; numpy's mod).
template <typename T>
T FloorModInt(T x, T y) {
  const T m = TruncModInt(x, y);
  if constexpr (std::is_signed_v<T>) {
    if (m != T(0) && ((y < T(0)) != (m < T(0)))) return WrapAdd(m, y);
  }
  return m;
}

// TF's check before an integer division or modulo: every divisor nonzero
// ("Integer division by zero"), where C would trap. Not for empty outputs:
// TF's kernel never reads the divisors then.
template <typename T>
Status CheckNonZeroDivisors(const ConstTensor& y, int64_t outputs) {
  if constexpr (kWrapping<T>) {
    if (outputs == 0) return Status::Ok();
    const T* divisor = y.data<T>();
    for (int64_t i = 0; i < y.num_elements(); ++i) {
      OPBRIDGE_REQUIRE(divisor[i] != T(0), "Integer division by zero (input '", y.name(), "', element ", i, ")");
    }
  }
  return Status::Ok();
}

// CheckNonZeroDivisors for y of any dtype (nothing to check for floats).
inline Status CheckIntegerDivisors(const ConstTensor& y, int64_t outputs) {
  switch (y.dtype()) {
    case DType::kInt8:
    case DType::kInt16:
    case DType::kInt32:
    case DType::kInt64:
    case DType::kUInt8:
    case DType::kUInt16:
    case DType::kUInt32:
    case DType::kUInt64:
      return DispatchElement<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
          y.dtype(), [&](auto tag) { return CheckNonZeroDivisors<typename decltype(tag)::type>(y, outputs); });
    default:
      return Status::Ok();
  }
}

}  // namespace math
}  // namespace opbridge
