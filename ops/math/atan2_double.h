// TF's float64 Atan2 per element, shared by Opbridge>Atan2 (opbridge_atan2.cc)
// and its AVX2 build (atan2_double_avx2.cc): Eigen's patan2 on whole packets
// and, for an element outside a whole packet, patan2 on a packet holding it
// alone (each lane computes alone, so the same bits as in a packet).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "avx2_dispatch.h"

namespace opbridge::math {

// Whether TF's kernel gives atan2(+-1, +-1) (signs of y and x) for this
// pair: both zero or subnormal, not both zero. patan2 tests "|x| == |y|"
// and "(x | y) == 0" and divides otherwise; under denormals-are-zero (TF's
// float mode, which opbridge sets too) the first holds for such a pair, and
// in TF's build the second does not (a subnormal bit pattern is not 0), so
// TF takes the |x| == |y| answer: +-pi/4 or +-3pi/4, where GCC's build of the
// same lines gives 0 or pi. Found by the both-builds test's subnormals.
constexpr uint64_t kExponentBits = 0x7ff0000000000000ULL;

inline bool TfTinyPair(double y, double x) {
  uint64_t by, bx;
  std::memcpy(&by, &y, sizeof by);
  std::memcpy(&bx, &x, sizeof bx);
  constexpr uint64_t kMagnitude = 0x7fffffffffffffffULL;
  return ((by | bx) & kExponentBits) == 0 && ((by | bx) & kMagnitude) != 0;
}

// out[i] = atan2(y[i * y_step], x[i * x_step]) for i < n (a step of 0 reads
// a scalar), in packets of the build's width.
inline void Atan2Packets(const double* y, int64_t y_step, const double* x, int64_t x_step, double* out,
                         int64_t n) {
  using Packet = Eigen::internal::packet_traits<double>::type;
  // packet_traits, not unpacket_traits<Packet>: a vector type as a template argument loses its attributes (a warning).
  constexpr int64_t kLanes = Eigen::internal::packet_traits<double>::size;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const Packet py = y_step != 0 ? Eigen::internal::ploadu<Packet>(y + i) : Eigen::internal::pset1<Packet>(y[0]);
    const Packet px = x_step != 0 ? Eigen::internal::ploadu<Packet>(x + i) : Eigen::internal::pset1<Packet>(x[0]);
    Eigen::internal::pstoreu(out + i, Eigen::internal::patan2(py, px));
  }
  for (; i < n; ++i) {
    const Packet p = Eigen::internal::patan2(Eigen::internal::pset1<Packet>(y[i * y_step]),
                                             Eigen::internal::pset1<Packet>(x[i * x_step]));
    out[i] = Eigen::internal::pfirst(p);
  }
  // Such pairs are rare: a branch-free scan per block finds them.
  constexpr int64_t kBlock = 256;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = b + kBlock < n ? b + kBlock : n;
    // Both exponent fields 0 (zero or subnormal), lane by lane into one flag.
    uint64_t both_tiny = 0;
    for (i = b; i < e; ++i) {
      uint64_t by, bx;
      std::memcpy(&by, y + i * y_step, sizeof by);
      std::memcpy(&bx, x + i * x_step, sizeof bx);
      both_tiny |= static_cast<uint64_t>(((by | bx) & kExponentBits) == 0);
    }
    for (i = b; both_tiny != 0 && i < e; ++i) {
      const double yi = y[i * y_step], xi = x[i * x_step];
      if (!TfTinyPair(yi, xi)) continue;
      const Packet p = Eigen::internal::patan2(Eigen::internal::pset1<Packet>(std::copysign(1.0, yi)),
                                               Eigen::internal::pset1<Packet>(std::copysign(1.0, xi)));
      out[i] = Eigen::internal::pfirst(p);
    }
  }
}

}  // namespace opbridge::math

#if defined(__x86_64__)
// Atan2Packets on 4-double AVX2 packets without FMA (atan2_double_avx2.cc).
extern "C" void opbridge_avx2_f64_atan2(const double* y, int64_t y_step, const double* x, int64_t x_step, double* out,
                                        int64_t n);
#endif

namespace opbridge::math {

// Atan2Packets on the widest packets this CPU runs: the isolated AVX2 build's
// where UseAvx2(), else this build's (the same bits either way). Shared by
// Opbridge>Atan2, the half Atan2 and complex64 Angle.
inline void Atan2PacketsOnThisCpu(const double* y, int64_t y_step, const double* x, int64_t x_step, double* out,
                                  int64_t n) {
#if defined(__x86_64__)
  if (UseAvx2()) {
    opbridge_avx2_f64_atan2(y, y_step, x, x_step, out, n);
    return;
  }
#endif
  Atan2Packets(y, y_step, x, x_step, out, n);
}

}  // namespace opbridge::math
