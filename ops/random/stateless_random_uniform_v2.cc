// StatelessRandomUniformV2: uniform floats in [0, 1) from a Philox key and counter
// (tf.random.stateless_uniform): each value's random bits become the mantissa of a
// number in [1, 2), minus 1 (philox.h).
#include "stateless_random.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomUniformV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Uniform values in [0, 1) from a Philox key and counter "
                              "(tf.random.stateless_uniform).")
                         .Input("shape: Tshape")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Output("output: dtype")
                         .Params<random::RandomParams>()
                         .Attr("Tshape: {int32, int64} = DT_INT32")
                         .ShapeRule(random::ShapeFromInput0<random::RandomParams>)
                         .Kernel(random::FloatV2Kernel<random::Uniform>));

}  // namespace
}  // namespace opbridge
