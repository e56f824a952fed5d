// AddV2: TF's x + y, elementwise with broadcasting (tf.math.add / +), in every dtype TF's
// CPU kernel takes. The converter leaves CUSTOM "AddV2" {T} for those the builtin ADD lacks:
// double, half, bfloat16, complex, int8, uint8-uint64 (measured); float32, int16, int32 and
// int64 are here for models that carry them as custom or Flex nodes.
// Results are exact: one rounding per part, as TF's; integers wrap (int_arith.h).
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <complex>

#include "broadcast.h"
#include "int_arith.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>, float,
                               int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      ctx, 1, [](auto x, auto y) { return math::WrapAdd(x, y); }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("AddV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x + y, elementwise with broadcasting (tf.math.add / +).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
