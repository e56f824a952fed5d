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
// tensor or a scalar against a tensor (patan2 on SSE2 packets computes the same operations: TF's wheel has
// no FMA). On a CPU with AVX2 the packets are TF's 4 doubles wide
// (atan2_double_avx2.cc): 1.10 -> 0.53x TF's time at 1 thread.
#include <cmath>
#include <vector>

#include "atan2_double.h"
#include "cwise.h"

namespace opbridge {
namespace {

constexpr int64_t kTfPacket = 4;  // doubles per AVX packet in TF's build

double PacketAtan2(double y, double x) {
  double z;
  math::Atan2Packets(&y, 0, &x, 0, &z, 1);
  return z;
}

Status Kernel(KernelContext& ctx) {
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
  // (every lane computes alone, so neither the split nor the packet width
  // changes an element).
  const double* pa = a.data<double>();
  const double* pb = b.data<double>();
  double* out = ctx.output(0).data<double>();
  const int64_t a_step = a_flat ? 1 : 0, b_step = b_flat ? 1 : 0;
  ctx.ParallelFor(n, 20, [&](int64_t begin, int64_t end) {
    math::Atan2PacketsOnThisCpu(pa + begin * a_step, a_step, pb + begin * b_step, b_step, out + begin, end - begin);
  });
  // TF's scalar tail (of two tensors, and of a scalar against a tensor): the
  // C library's atan2.
  for (int64_t i = n - n % kTfPacket; i < n; ++i) out[i] = std::atan2(pa[i * a_step], pb[i * b_step]);
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
