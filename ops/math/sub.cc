// Sub: TF's x - y, elementwise with broadcasting (tf.math.subtract / -), in every dtype
// TF's CPU kernel takes; the converter leaves CUSTOM "Sub" {T} for those the builtin SUB
// lacks: double, half, bfloat16, complex, the 8-bit and unsigned ints (measured).
// Results are exact: one rounding per part, as TF's; integers wrap (int_arith.h). Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <complex>

#include "broadcast.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>, float,
                               int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      ctx, 1, [](auto x, auto y) { return math::WrapSub(x, y); }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("Sub")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x - y, elementwise with broadcasting (tf.math.subtract / -).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
