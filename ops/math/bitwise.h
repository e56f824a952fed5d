// Shared by TF's bitwise ops (BitwiseAnd, BitwiseOr, BitwiseXor, Invert,
// LeftShift, RightShift), which TF defines for every integer dtype. TFLite's
// builtins cover only some: BITWISE_XOR and RIGHT_SHIFT take int8..int32 and
// uint8..uint32, and nothing takes BitwiseAnd, BitwiseOr, Invert or
// LeftShift; the converter emits CUSTOM "<TF name>" {T} for the rest.
// (keras.ops.argmax on floats does a BitwiseAnd on the float's bits.)
//
// The binary ops broadcast as TF's binary cwise kernels do (broadcast.h).
#pragma once

#include <climits>
#include <cstdint>
#include <type_traits>

#include "broadcast.h"

namespace opbridge {
namespace math {

// Binary bitwise op over TF's integer dtypes with TF's broadcasting.
template <typename Fn>
Status BitwiseBinary(KernelContext& ctx, Fn fn) {
  return BinaryBroadcast<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(ctx, 1, fn);
}

// TF's shift ops clamp the shift amount into [0, bits - 1] (no undefined
// behaviour in C++): a negative shift is 0, a shift of the width or more
// is width - 1. So int32 `1 << 40` is INT32_MIN and `-5 >> 40` is -1.
template <typename T>
int ClampedShift(T y) {
  constexpr int kBits = static_cast<int>(sizeof(T) * CHAR_BIT);
  if constexpr (std::is_signed_v<T>) {
    if (y < 0) return 0;
  }
  return y > static_cast<T>(kBits - 1) ? kBits - 1 : static_cast<int>(y);
}

// Left shift computed unsigned, as TF does: bits shifted out are lost, and a
// signed result is the wrapped two's-complement value.
template <typename T>
T ShiftLeft(T x, T y) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<U>(x) << ClampedShift(y)));
}

// Right shift; arithmetic for signed types (the sign bit fills in), as TF's
// `x >> y` on the compilers it is built with. Written so that it does not
// depend on the implementation-defined shift of a negative value.
template <typename T>
T ShiftRight(T x, T y) {
  const int s = ClampedShift(y);
  if constexpr (std::is_signed_v<T>) {
    if (x < 0) return static_cast<T>(~(~x >> s));
  }
  return static_cast<T>(x >> s);
}

}  // namespace math
}  // namespace opbridge
