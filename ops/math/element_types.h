// Element types of the math and search ops: opbridge's Dispatch plus
// Eigen::half, which TF supports for most of them. (The framework's DTypeOf
// knows no Eigen type; ops/search includes this header too.)
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "opbridge/op.h"

namespace opbridge {
namespace math {

// DTypeOf, plus Eigen::half as DType::kFloat16.
template <typename T>
struct ElementDType {
  static constexpr DType value = DTypeOf<T>::value;
};
template <>
struct ElementDType<Eigen::half> {
  static constexpr DType value = DType::kFloat16;
};
template <>
struct ElementDType<Eigen::bfloat16> {
  static constexpr DType value = DType::kBFloat16;
};

// Dispatch<Ts...> that also accepts Eigen::half among Ts.
template <typename... Ts, typename Fn>
Status DispatchElement(DType dtype, Fn&& fn) {
  Status result = Status::Ok();
  if ((DispatchTo<ElementDType<Ts>::value, Ts>(dtype, fn, &result) || ...)) return result;
  return NoKernelForDType(dtype);
}

// half, bfloat16, float, double: the floating types of most TF CPU kernels.
template <typename Fn>
Status DispatchFloating(DType dtype, Fn&& fn) {
  return DispatchElement<Eigen::half, Eigen::bfloat16, float, double>(dtype, std::forward<Fn>(fn));
}

// TF's realnumbertypes, the set many of its CPU kernels register.
template <typename Fn>
Status DispatchRealNumber(DType dtype, Fn&& fn) {
  return DispatchElement<Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t, uint8_t,
                         uint16_t, uint32_t, uint64_t>(dtype, std::forward<Fn>(fn));
}

// Whether dtype is one of the eight integer types (bool is not one).
inline bool IsIntegerDType(DType dtype) {
  switch (dtype) {
    case DType::kInt8: case DType::kInt16: case DType::kInt32: case DType::kInt64:
    case DType::kUInt8: case DType::kUInt16: case DType::kUInt32: case DType::kUInt64:
      return true;
    default:
      return false;
  }
}

// The unsigned dtype of an integer dtype's width (kInt8 -> kUInt8, ...; any
// other dtype unchanged). Sums and products modulo 2^bits are the same bits
// for the signed and the unsigned type, so a kernel that only adds or
// multiplies integers runs the signed ones as unsigned: one instantiation
// per width instead of two.
inline DType UnsignedOfWidth(DType dtype) {
  switch (dtype) {
    case DType::kInt8: return DType::kUInt8;
    case DType::kInt16: return DType::kUInt16;
    case DType::kInt32: return DType::kUInt32;
    case DType::kInt64: return DType::kUInt64;
    default: return dtype;
  }
}

// x as the unsigned type of its width, whose sums and products wrap modulo
// 2^bits without undefined behaviour, as TF's (Eigen's) integer arithmetic
// wraps in practice; 8- and 16-bit values widen to uint32, since their own
// unsigned types promote to int, whose products can overflow.
template <typename T>
using WrapType = std::conditional_t<(sizeof(T) < 4), uint32_t, std::make_unsigned_t<T>>;

template <typename T>
WrapType<T> Wrapping(T x) {
  return static_cast<WrapType<T>>(x);
}

}  // namespace math
}  // namespace opbridge
