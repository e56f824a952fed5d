// StatelessTruncatedNormalV2: standard normal floats with |x| < 2 from a Philox key
// and counter (tf.random.stateless_truncated_normal): Box-Muller values outside are
// rejected, each group of outputs reading its own reserved stretch of the stream.
#include "stateless_random.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("StatelessTruncatedNormalV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Standard normal values within 2 standard deviations, from a Philox key and "
                              "counter (tf.random.stateless_truncated_normal).")
                         .Input("shape: Tshape")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Output("output: dtype")
                         .Params<random::RandomParams>()
                         .Attr("Tshape: {int32, int64} = DT_INT32")
                         .ShapeRule(random::ShapeFromInput0<random::RandomParams>)
                         .Kernel(random::FloatV2Kernel<random::TruncatedNormal>));

}  // namespace
}  // namespace opbridge
