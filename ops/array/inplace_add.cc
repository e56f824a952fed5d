// InplaceAdd (tf.raw_ops.InplaceAdd, tf.compat.v1 inplace ops): TF's op, which
// neither TFLite's builtins nor its custom ops cover. The work and TF's rules
// (wrapping int32 rows, checks, dtypes) are in inplace_op.h.
#include "inplace_op.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("InplaceAdd")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x with v's rows added to rows i, i wrapping modulo x's first dimension.")
                         .Input("x: T")
                         .Input("i: int32")
                         .Input("v: T")
                         .Output("y: T")
                         .Attr("T: type")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(array::InplaceKernel<array::InplaceKind::kAdd>));

}  // namespace
}  // namespace opbridge
