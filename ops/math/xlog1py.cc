// Xlog1py: TF's x * log1p(y), 0 where x is 0, with broadcasting (tf.math.xlog1py), in half,
// bfloat16, double, complex64 and complex128, which the converter leaves CUSTOM "Xlog1py" {T}
// (float32 it lowers into builtins whose ADD and LOG cancel near 0; opbridge.convert substitutes
// Opbridge>Xlog1py there: opbridge_xlog1py.cc). TF's packet log1p and scalar tail by position,
// so its bits (xdivy_xlog1py.h).
#include "xdivy_xlog1py.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("Xlog1py")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * log1p(y), 0 where x == 0, with broadcasting (tf.math.xlog1py).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(math::Xlog1pyKernel));

}  // namespace
}  // namespace opbridge
