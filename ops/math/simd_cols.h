// Columns as GCC vector-extension types, shared by the kernels that write
// their inner loops on them (the FFT passes, the matmul tiles): W bytes of S
// (16: SSE2 on baseline x86-64, NEON on aarch64; 32: AVX, only inside a
// target("avx2") function), or W = 0 for S itself (the columns left over).
// GCC left such loops scalar when written on S; every element sees the same
// operations in the same order whatever the width, so the bits do not depend
// on it. The AVX2 entry points enable no FMA, so GCC cannot contract a
// multiply-add in them either.
#pragma once

namespace opbridge::math {

template <typename S, int W>
struct Cols {
  typedef S type __attribute__((vector_size(W)));
  // Loads and stores through this type are unaligned and may alias S.
  typedef S unaligned __attribute__((vector_size(W), aligned(sizeof(S)), may_alias));
  static constexpr int kWidth = W / static_cast<int>(sizeof(S));
};
template <typename S>
struct Cols<S, 0> {
  using type = S;
  using unaligned = S;
  static constexpr int kWidth = 1;
};

}  // namespace opbridge::math
