// Opbridge>Lcm: torch.lcm of integer tensors. TF has no such op and litert-torch cannot lower
// aten.lcm; a rewrite would unroll Euclid's loop (up to 92 steps for int64) into builtins, so
// this is a kernel. torch's semantics and wraparound are gcd_lcm.h's.
#include <cstdint>

#include "cwise.h"
#include "gcd_lcm.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryMap<int8_t, int16_t, int32_t, int64_t, uint8_t>(ctx, 20,
                                                                      [](auto a, auto b) { return math::TorchLcm(a, b); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Lcm")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Least common multiple elementwise with broadcasting, as torch.lcm (|a / gcd * b| wrapped into the type; 0 when a gcd is 0).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {int8, int16, int32, int64, uint8}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
