// StatelessRandomNormalV2: standard normal floats from a Philox key and counter
// (tf.random.stateless_normal), by Box-Muller on pairs of uniforms (philox.h).
#include "stateless_random.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomNormalV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Standard normal values from a Philox key and counter "
                              "(tf.random.stateless_normal).")
                         .Input("shape: Tshape")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Output("output: dtype")
                         .Params<random::RandomParams>()
                         .Attr("Tshape: {int32, int64} = DT_INT32")
                         .ShapeRule(random::ShapeFromInput0<random::RandomParams>)
                         .Kernel(random::FloatV2Kernel<random::Normal>));

}  // namespace
}  // namespace opbridge
