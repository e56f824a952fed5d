// Abs and Sign of int64 on AVX2's 64-bit compare (vpcmpgtq): the baseline
// x86-64 build has no 64-bit vector compare (SSE4.2 brought it), so GCC
// leaves its int64 loops scalar, and Abs i64 [1048576] took 1.7x TF's time
// (TF's AVX build compares 4 lanes at once). Same results as the scalar
// formulas in abs.cc and sign.cc (abs(INT64_MIN) stays INT64_MIN), which
// the tails and other CPUs use.
#pragma once

#include <cstdint>

#include "avx2_dispatch.h"
#include "opbridge/op.h"

namespace opbridge::math {

#if defined(__x86_64__)

typedef int64_t Int64x4 __attribute__((vector_size(32)));
typedef int64_t Int64x4u __attribute__((vector_size(32), aligned(8), may_alias));

// Runs lane(v) on 4 elements at a time, then scalar(x) on the rest.
template <typename Lane, typename Scalar>
__attribute__((target("avx2"), always_inline)) inline void Int64Lanes(const int64_t* in, int64_t* out, int64_t n,
                                                                      Lane lane, Scalar scalar) {
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    *reinterpret_cast<Int64x4u*>(out + i) = lane(Int64x4(*reinterpret_cast<const Int64x4u*>(in + i)));
  }
  for (; i < n; ++i) out[i] = scalar(in[i]);
}

// |x| with INT64_MIN kept: (x ^ m) - m, m all ones where x < 0, wrapping as
// unsigned arithmetic does.
__attribute__((target("avx2"))) inline void AbsInt64Avx2(const int64_t* in, int64_t* out, int64_t n) {
  typedef uint64_t U4 __attribute__((vector_size(32)));
  Int64Lanes(
      in, out, n,
      [](Int64x4 v) __attribute__((always_inline)) {
        const U4 m = reinterpret_cast<U4>(v < Int64x4{});
        return reinterpret_cast<Int64x4>((reinterpret_cast<U4>(v) ^ m) - m);
      },
      [](int64_t v) {
        const uint64_t m = uint64_t{0} - static_cast<uint64_t>(v < 0);
        return static_cast<int64_t>((static_cast<uint64_t>(v) ^ m) - m);
      });
}

// (x > 0) - (x < 0): the compares give -1 where true, so their difference the other way round.
__attribute__((target("avx2"))) inline void SignInt64Avx2(const int64_t* in, int64_t* out, int64_t n) {
  Int64Lanes(
      in, out, n, [](Int64x4 v) __attribute__((always_inline)) { return (v < Int64x4{}) - (v > Int64x4{}); },
      [](int64_t v) { return static_cast<int64_t>((v > 0) - (v < 0)); });
}

// Runs lanes(in, out, n) over input 0 into output 0 (int64) on the
// interpreter's threads, when the input is int64 and the CPU has AVX2; false
// otherwise (the kernel then takes its baseline loop).
template <typename Lanes>
bool ApplyInt64Avx2(KernelContext& ctx, Lanes lanes) {
  if (ctx.input(0).dtype() != DType::kInt64 || !UseAvx2()) return false;
  const int64_t* in = ctx.input(0).data<int64_t>();
  int64_t* out = ctx.output(0).data<int64_t>();
  ctx.ParallelFor(ctx.input(0).num_elements(), 1,
                  [&](int64_t begin, int64_t end) { lanes(in + begin, out + begin, end - begin); });
  return true;
}

#endif

}  // namespace opbridge::math
