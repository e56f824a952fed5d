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
#pragma once

#include <algorithm>

#include "elementwise.h"

namespace opbridge {
namespace math {

// TF's AVX packet size for float and half, in elements.
constexpr int64_t kTfBesselPacket = 8;

// out[i] = Op(in[i]) for i in [begin, end): packet path below packet_end,
// scalar path from there. begin and packet_end are multiples of kTfBesselPacket.
template <template <typename> class Op>
void BesselFloatRange(const float* in, float* out, int64_t begin, int64_t end, int64_t packet_end) {
  using Packet = typename Eigen::internal::packet_traits<float>::type;
  constexpr int64_t kLanes = Eigen::internal::packet_traits<float>::size;
  // SSE2 (the baseline build) and AVX split TF's 8 lanes; AVX-512's 16 would not.
  static_assert(kTfBesselPacket % kLanes == 0, "TF's 8-lane packets must split into this build's packets");
  const Op<float> op;
  const int64_t vector_end = std::max(begin, std::min(end, packet_end));
  int64_t i = begin;
  for (; i < vector_end; i += kLanes) {
    Eigen::internal::pstoreu(out + i, op.packetOp(Eigen::internal::ploadu<Packet>(in + i)));
  }
  for (; i < end; ++i) out[i] = op(in[i]);
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
  switch (x.dtype()) {
    case DType::kFloat32: {
      const float* in = x.data<float>();
      float* out = y.data<float>();
      ctx.ParallelFor(
          n, cost_per_element_ns,
          [&](int64_t begin, int64_t end) { BesselFloatRange<Op>(in, out, begin, end, packet_end); }, kGrain);
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
              for (int64_t i = 0; i < len; ++i) wide_in[i] = static_cast<float>(in[block + i]);
              BesselFloatRange<Op>(wide_in, wide_out, 0, len, packet_end - block);
              for (int64_t i = 0; i < len; ++i) out[block + i] = Eigen::half(wide_out[i]);
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
