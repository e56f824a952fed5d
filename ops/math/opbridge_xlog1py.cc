// Opbridge>Xlog1py: TF's Xlog1py (same inputs, output and attrs) for float32, which the converter
// lowers into builtins computing log(1 + y) with ADD and LOG, which cancel near 0 (measured:
// xlog1py(1.25, 9.5e-21) gave 0, TF -1.19e-20; y = 2.5e-6 came out 4% off). opbridge.convert
// substitutes this op for float32 Xlog1py nodes (Replaces); other dtypes stay TF's Xlog1py, which
// the converter emits as a custom op (xlog1py.cc).
#include "xdivy_xlog1py.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Xlog1py")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("x * log1p(y), 0 where x == 0, with broadcasting; computes TF's float32 Xlog1py "
                              "(tf.math.xlog1py) accurately.")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {float}")
                         .Replaces("Xlog1py")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(math::Xlog1pyKernel));

}  // namespace
}  // namespace opbridge
