// The kernels of LeftShift and RightShift (TF's clamping: bitwise.h).
// Two same-shape arrays of 32- or 64-bit integers go through AVX2's per-lane
// variable shifts (vpsllv/vpsrlv) where the CPU has them: the baseline
// x86-64 build has no variable vector shift, so its loop is scalar
// (LeftShift i64 [1048576] took 1.4x TF's time). The same clamping and the
// same bits as ShiftLeft/ShiftRight, which the tail and every other case use.
#pragma once

#include <climits>
#include <cstdint>
#include <type_traits>

#include "avx2_dispatch.h"
#include "bitwise.h"

namespace opbridge::math {

#if defined(__x86_64__)

template <typename T, bool kLeft>
__attribute__((target("avx2"))) void ShiftRunAvx2(const T* a, const T* b, T* out, int64_t n) {
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "AVX2 shifts lanes of 32 and 64 bits");
  using U = std::make_unsigned_t<T>;
  typedef T TV __attribute__((vector_size(32)));
  typedef U UV __attribute__((vector_size(32)));
  typedef T TU __attribute__((vector_size(32), aligned(sizeof(T)), may_alias));
  typedef U UU __attribute__((vector_size(32), aligned(sizeof(T)), may_alias));
  constexpr int kWidth = 32 / static_cast<int>(sizeof(T));
  constexpr T kMaxShift = static_cast<T>(sizeof(T) * CHAR_BIT - 1);
  int64_t j = 0;
  for (; j + kWidth <= n; j += kWidth) {
    TV y = *reinterpret_cast<const TU*>(b + j);
    // ClampedShift: negative -> 0, the width or more -> width - 1.
    if constexpr (std::is_signed_v<T>) y = y < TV{} ? TV{} : y;
    y = y > kMaxShift ? TV{} + kMaxShift : y;
    const UV s = reinterpret_cast<UV>(y);
    const TV x = *reinterpret_cast<const TU*>(a + j);
    if constexpr (kLeft) {
      *reinterpret_cast<UU*>(out + j) = reinterpret_cast<UV>(x) << s;
    } else if constexpr (std::is_signed_v<T>) {
      // Arithmetic: ~(~x >> s) for negative x, as ShiftRight (AVX2 has no
      // 64-bit arithmetic variable shift).
      const TV negative = x < TV{};
      const UV flip = reinterpret_cast<UV>(negative);
      const UV shifted = (reinterpret_cast<UV>(x) ^ flip) >> s;
      *reinterpret_cast<UU*>(out + j) = shifted ^ flip;
    } else {
      *reinterpret_cast<UU*>(out + j) = reinterpret_cast<UV>(x) >> s;
    }
  }
  for (; j < n; ++j) out[j] = kLeft ? ShiftLeft(a[j], b[j]) : ShiftRight(a[j], b[j]);
}
#endif

// LeftShift (kLeft) or RightShift of inputs 0 and 1, TF's broadcasting.
template <bool kLeft>
Status BitwiseShift(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  const DType dtype = a.dtype();
  const bool wide = dtype == DType::kInt32 || dtype == DType::kInt64 || dtype == DType::kUInt32 ||
                    dtype == DType::kUInt64;
  if (UseAvx2() && wide && b.dtype() == dtype && a.shape().dims() == b.shape().dims() &&
      ctx.output(0).shape().dims() == a.shape().dims()) {
    return DispatchElement<int32_t, int64_t, uint32_t, uint64_t>(dtype, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* pa = a.data<T>();
      const T* pb = b.data<T>();
      T* out = ctx.output(0).data<T>();
      ctx.ParallelFor(a.num_elements(), 1, [&](int64_t begin, int64_t end) {
        ShiftRunAvx2<T, kLeft>(pa + begin, pb + begin, out + begin, end - begin);
      });
      return Status::Ok();
    });
  }
#endif
  return BitwiseBinary(ctx, [](auto x, auto y) { return kLeft ? ShiftLeft(x, y) : ShiftRight(x, y); });
}

}  // namespace opbridge::math
