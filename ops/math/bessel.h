// Shared by the twelve Bessel ops (ops/math/bessel_*.cc): BesselI0, I0e, I1,
// I1e, J0, J1, K0, K0e, K1, K1e, Y0, Y1 (tf.math.special.bessel_*).
//
// TF's CPU kernels evaluate Eigen's Bessel functors (Cephes' Chebyshev and
// rational approximations) over the flat tensor. Eigen's float functors have
// a packet path (pexp, plog, psin, prsqrt ... on whole packets) and a scalar
// path (the C library's expf, logf, sinf ...) that round differently (up to
// 1.6e-4 relative near the zeros of Y0, measured). TF's x86-64 wheel is built
// with AVX (no FMA): the first n - n % 8 floats go through 8-lane packets, the
// last n % 8 through the scalar path. Eigen's generic packet algorithms give
// the same bits in our 4-lane SSE2 packets (measured: 0 differences over 1.6e5
// floats per function), so evaluating the same positions the same way gives
// TF's output bit for bit. half is evaluated as float (Eigen's half packets
// and half scalars both convert to float) and rounded. double has no packet
// path in Eigen on x86 (HasBessel is false for double packets): scalar
// throughout.
//
// On a CPU with AVX2 the float loop runs from bessel_float_avx2.cc, the same
// code compiled for TF's 8-lane packets (the same bits in half the packet
// operations; OPBRIDGE_NO_AVX2=1 keeps the baseline loop).
#pragma once

#include <algorithm>

#include "avx2_dispatch.h"
#include "bessel_float_range.h"
#include "elementwise.h"
#include "half_arrays.h"

namespace opbridge {
namespace math {

// The AVX2 build of Op's float loop (bessel_float_avx2.cc), or null where there
// is none (not x86-64).
template <template <typename> class Op>
constexpr BesselFloatRangeFn kAvx2BesselRange = nullptr;
#if defined(__x86_64__)
#define OPBRIDGE_AVX2_BESSEL_ENTRY(name)                                                           \
  template <>                                                                                    \
  constexpr BesselFloatRangeFn kAvx2BesselRange<Eigen::internal::scalar_bessel_##name##_op> =    \
      opbridge_avx2_bessel_##name;
OPBRIDGE_BESSEL_FUNCTIONS(OPBRIDGE_AVX2_BESSEL_ENTRY)
#undef OPBRIDGE_AVX2_BESSEL_ENTRY
#endif

// Op's float loop: the AVX2 build when the CPU has AVX2 (same bits, 8 lanes),
// else this (baseline SSE2) build's.
template <template <typename> class Op>
BesselFloatRangeFn BesselFloatLoop() {
  if (kAvx2BesselRange<Op> != nullptr && UseAvx2()) return kAvx2BesselRange<Op>;
  return BesselFloatRange<Op>;
}

// The kernel of one Bessel op: Op is Eigen's functor template
// (Eigen::internal::scalar_bessel_i0_op, ...).
template <template <typename> class Op>
Status BesselKernel(KernelContext& ctx, int64_t cost_per_element_ns) {
  const ConstTensor& x = ctx.input(0);
  const Tensor& y = ctx.output(0);
  const int64_t n = x.num_elements();
  const int64_t packet_end = n - n % kTfBesselPacket;
  // Chunks start on multiples of 64, so the split does not move the packet boundaries.
  constexpr int64_t kGrain = 64;
  const BesselFloatRangeFn range = BesselFloatLoop<Op>();
  switch (x.dtype()) {
    case DType::kFloat32: {
      const float* in = x.data<float>();
      float* out = y.data<float>();
      ctx.ParallelFor(
          n, cost_per_element_ns,
          [&](int64_t begin, int64_t end) { range(in, out, begin, end, packet_end); }, kGrain);
      return Status::Ok();
    }
    case DType::kFloat64: {
      const double* in = x.data<double>();
      double* out = y.data<double>();
      ctx.ParallelFor(n, cost_per_element_ns, [&](int64_t begin, int64_t end) {
        const Op<double> op;
        for (int64_t i = begin; i < end; ++i) out[i] = op(in[i]);
      });
      return Status::Ok();
    }
    case DType::kFloat16: {
      const Eigen::half* in = x.data<Eigen::half>();
      Eigen::half* out = y.data<Eigen::half>();
      ctx.ParallelFor(
          n, cost_per_element_ns,
          [&](int64_t begin, int64_t end) {
            float wide_in[kGrain], wide_out[kGrain];
            for (int64_t block = begin; block < end; block += kGrain) {
              const int64_t len = std::min(kGrain, end - block);
              // F16C conversions where the CPU has them (half_arrays.h): per
              // element they took as long as the float function itself.
              Widen(in + block, wide_in, len);
              range(wide_in, wide_out, 0, len, packet_end - block);
              Narrow(wide_out, out + block, len);
            }
          },
          kGrain);
      return Status::Ok();
    }
    default: break;
  }
  return Errorf("no kernel for dtype ", DTypeName(x.dtype()));
}

}  // namespace math
}  // namespace opbridge
