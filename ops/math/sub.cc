// Sub: TF's x - y, elementwise with broadcasting (tf.math.subtract / -), for the dtypes
// the converter leaves custom: double (no float64 builtin), half and bfloat16 and complex64 /
// complex128 (measured: float64 and complex Sub become CUSTOM "Sub" {T}).
// Results are exact: one rounding per part, as TF's. Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <complex>

#include "broadcast.h"

namespace opbridge {
namespace {

Status Kernel(KernelContext& ctx) {
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 1, [](auto x, auto y) { return x - y; }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("Sub")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x - y, elementwise with broadcasting (tf.math.subtract / -).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
