// Xdivy: TF's x / y, 0 where x is 0, with broadcasting (tf.math.xdivy), in half, bfloat16, double,
// complex64 and complex128, which the converter leaves CUSTOM "Xdivy" {T} (float32 it lowers into
// builtins; opbridge.convert substitutes Opbridge>Xdivy there: opbridge_xdivy.cc). TF's packet and
// scalar paths by position, so its bits and its zero signs (xdivy_xlog1py.h).
#include "xdivy_xlog1py.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("Xdivy")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, 0 where x == 0, with broadcasting (tf.math.xdivy).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(math::XdivyKernel));

}  // namespace
}  // namespace opbridge
