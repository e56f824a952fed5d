// Runs a float32 elementwise kernel's 8-lane path over input 0 into output 0
// on the interpreter's threads: lanes(in, out, n) on whole vectors of 8,
// scalar(x) on the rest. Chunks start on multiples of 64 elements, so only
// the tensor's last n % 8 elements take the scalar function, whatever the
// thread count (the lane and scalar functions may differ in the last bit).
// Used by the float32 kernels with a hand-written AVX2 path (Atanh, Erfinv,
// Ndtri, Cosh, Sinh, Asinh, Tan).
#pragma once

#include <cstdint>

#include "opbridge/op.h"

namespace opbridge::math {

template <typename Lanes, typename Scalar>
Status ApplyFloatLanes(KernelContext& ctx, int64_t cost_per_element_ns, Lanes lanes, Scalar scalar) {
  const float* in = ctx.input(0).data<float>();
  float* out = ctx.output(0).data<float>();
  ctx.ParallelFor(
      ctx.input(0).num_elements(), cost_per_element_ns,
      [&](int64_t begin, int64_t end) {
        const int64_t packets = (end - begin) / 8 * 8;
        lanes(in + begin, out + begin, packets);
        for (int64_t i = begin + packets; i < end; ++i) out[i] = scalar(in[i]);
      },
      /*grain=*/64);
  return Status::Ok();
}

}  // namespace opbridge::math
