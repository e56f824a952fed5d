// The float loop of the Bessel kernels (bessel.h), apart from the kernel
// context: bessel_float_avx2.cc compiles it again for 8-lane packets.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <unsupported/Eigen/SpecialFunctions>

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
  // SSE2 (the baseline build) and AVX2 split TF's 8 lanes; AVX-512's 16 would not.
  static_assert(kTfBesselPacket % kLanes == 0, "TF's 8-lane packets must split into this build's packets");
  const Op<float> op;
  const int64_t vector_end = std::max(begin, std::min(end, packet_end));
  int64_t i = begin;
  for (; i < vector_end; i += kLanes) {
    Eigen::internal::pstoreu(out + i, op.packetOp(Eigen::internal::ploadu<Packet>(in + i)));
  }
  for (; i < end; ++i) out[i] = op(in[i]);
}

// The signature of the AVX2 build's entry points (bessel_float_avx2.cc).
using BesselFloatRangeFn = void (*)(const float* in, float* out, int64_t begin, int64_t end, int64_t packet_end);

}  // namespace math
}  // namespace opbridge

// The twelve functions, by the suffix of Eigen's functor (scalar_bessel_<name>_op)
// and of the AVX2 entry point (opbridge_avx2_bessel_<name>): one list for both.
#define OPBRIDGE_BESSEL_FUNCTIONS(X) X(i0) X(i0e) X(i1) X(i1e) X(j0) X(j1) X(k0) X(k0e) X(k1) X(k1e) X(y0) X(y1)

#if defined(__x86_64__)
#define OPBRIDGE_DECLARE_AVX2_BESSEL(name) \
  void opbridge_avx2_bessel_##name(const float* in, float* out, int64_t begin, int64_t end, int64_t packet_end);
extern "C" {
OPBRIDGE_BESSEL_FUNCTIONS(OPBRIDGE_DECLARE_AVX2_BESSEL)
}
#undef OPBRIDGE_DECLARE_AVX2_BESSEL
#endif

namespace opbridge {
namespace math {

}  // namespace math
}  // namespace opbridge
