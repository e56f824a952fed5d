// Opbridge>Atan2: TF's Atan2 (same inputs, output and attrs) for float64, which
// the converter cannot convert at all: it legalizes every Atan2 to TFLite's
// ATAN2 and then fails ("'tfl.atan2' op requires the same type for all
// operands and results"). opbridge.convert substitutes this op for TF's
// float64 Atan2 (Replaces), which leaves it custom.
//
// TF's CPU kernel evaluates Eigen's scalar_atan2_op: whole packets go through
// Eigen's patan2 and the last n % 4 elements (AVX packets of 4 doubles)
// through std::atan2; the two differ in the last bit for about a third of the
// inputs. Each element here takes the path TF's takes for an unbroadcast
// tensor (patan2 on SSE2 packets computes the same operations: TF's wheel has
// no FMA).
#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "cwise.h"

namespace opbridge {
namespace {

constexpr int64_t kTfPacket = 4;  // doubles per AVX packet in TF's build

double PacketAtan2(double y, double x) {
  using Packet = Eigen::internal::packet_traits<double>::type;
  const Packet p = Eigen::internal::patan2(Eigen::internal::pset1<Packet>(y), Eigen::internal::pset1<Packet>(x));
  return Eigen::internal::pfirst(p);
}

Status Kernel(KernelContext& ctx) {
  using Packet = Eigen::internal::packet_traits<double>::type;
  // packet_traits, not unpacket_traits<Packet>: a vector type as a template argument loses its attributes (a warning).
  constexpr int64_t kLanes = Eigen::internal::packet_traits<double>::size;
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  const int64_t n = ctx.output(0).num_elements();
  const std::vector<int64_t>& dims = ctx.output(0).shape().dims();
  const bool a_flat = a.shape().dims() == dims, b_flat = b.shape().dims() == dims;
  const bool a_scalar = a.shape().dims().empty(), b_scalar = b.shape().dims().empty();
  if (!(a_flat || a_scalar) || !(b_flat || b_scalar) || (a_scalar && b_scalar && !dims.empty())) {
    // A real broadcast (with its checks and errors): one element at a time.
    return math::BinaryMap<double>(ctx, 20, [](double y, double x) { return PacketAtan2(y, x); });
  }
  // Same shapes, or a scalar against the output's shape: whole packets
  // (every lane computes alone, so the split changes no element).
  const double* pa = a.data<double>();
  const double* pb = b.data<double>();
  double* out = ctx.output(0).data<double>();
  ctx.ParallelFor(n, 20, [&](int64_t begin, int64_t end) {
    int64_t i = begin;
    for (; i + kLanes <= end; i += kLanes) {
      const Packet y = a_flat ? Eigen::internal::ploadu<Packet>(pa + i) : Eigen::internal::pset1<Packet>(pa[0]);
      const Packet x = b_flat ? Eigen::internal::ploadu<Packet>(pb + i) : Eigen::internal::pset1<Packet>(pb[0]);
      Eigen::internal::pstoreu(out + i, Eigen::internal::patan2(y, x));
    }
    for (; i < end; ++i) out[i] = PacketAtan2(pa[a_flat ? i : 0], pb[b_flat ? i : 0]);
  });
  // TF's scalar tail of an unbroadcast tensor: the C library's atan2.
  if (a_flat && b_flat) {
    for (int64_t i = n - n % kTfPacket; i < n; ++i) out[i] = std::atan2(pa[i], pb[i]);
  }
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Atan2")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("atan2(y, x), elementwise with broadcasting; computes TF's float64 Atan2 "
                              "(tf.math.atan2), which the converter cannot convert.")
                         .Input("y: T")
                         .Input("x: T")
                         .Output("z: T")
                         .Attr("T: {double}")
                         .Replaces("Atan2")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
