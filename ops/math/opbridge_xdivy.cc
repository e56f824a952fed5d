// Opbridge>Xdivy: TF's Xdivy (same inputs, output and attrs) for float32, which the converter
// lowers into builtins that give another sign to some zeros than TF (TF's packets keep a -0 x, its
// scalar tail gives +0: measured, x = -0 in the last n % 8 outputs gives -0 from the builtins).
// opbridge.convert substitutes this op for float32 Xdivy nodes (Replaces); other dtypes stay
// TF's Xdivy, which the converter emits as a custom op (xdivy.cc).
#include "xdivy_xlog1py.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Xdivy")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("x / y, 0 where x == 0, with broadcasting; computes TF's float32 Xdivy (tf.math.xdivy).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {float}")
                         .Replaces("Xdivy")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(math::XdivyKernel));

}  // namespace
}  // namespace opbridge
