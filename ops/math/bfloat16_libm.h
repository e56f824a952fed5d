// bfloat16 elementwise functions as TF's CPU kernels compute them when
// Eigen has no bfloat16 packet for the function (the inverse trigonometric
// and hyperbolic functions, Cosh, Sinh): Eigen's scalar path,
// bfloat16(f(float(x))) with the C library's float function, one element at
// a time. TF's AVX build takes that path for every element (measured: all
// 65536 bfloat16 values give the rounded C library value, NaN signs included).
//
// Why not the Eigen expression in bfloat16, which is the same formula: GCC
// knows that cosh, acos and acosh return non-negative values and, with the
// rounding inlined after the call, folds std::signbit of their result to false
// in Eigen's float-to-bfloat16 rounding, so the C library's -NaN (acosh(0),
// acos(2), cosh(-NaN) on x86-64) became +NaN (measured); TF's build (clang)
// keeps the sign. Here the results are rounded in a separate loop over a block
// of floats, and each passes through an empty asm statement, so that no
// compiler can assume their sign.
#pragma once

#include <Eigen/Core>
#include <cstdint>

#include "half_arrays.h"
#include "opbridge/op.h"

namespace opbridge::math {

// output 0 = bfloat16(fn(float(input 0))), on the runtime's threads.
template <typename Fn>
Status BFloat16ThroughFloat(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn) {
  const Eigen::bfloat16* in = ctx.input(0).data<Eigen::bfloat16>();
  Eigen::bfloat16* out = ctx.output(0).data<Eigen::bfloat16>();
  ctx.ParallelFor(ctx.input(0).num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
    MapWidened(in + begin, out + begin, end - begin, [&](float v) {
      float r = fn(v);
      // An opaque value: its sign is not assumed (above).
#if defined(__x86_64__)
      asm("" : "+x"(r));
#elif defined(__aarch64__)
      asm("" : "+w"(r));
#else
      asm("" : "+m"(r));
#endif
      return r;
    });
  });
  return Status::Ok();
}

}  // namespace opbridge::math
