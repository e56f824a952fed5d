// StatelessRandomUniform: uniform floats in [0, 1) from a seed pair (the V1 op):
// StatelessRandomUniformV2's values for the key and counter StatelessRandomGetKeyCounter
// derives from the seed.
#include "stateless_random.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomUniform")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Uniform values in [0, 1) from a seed pair (V1 op).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Output("output: dtype")
                         .Params<random::RandomParams>()
                         .Attr("T: {int32, int64} = DT_INT32")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<random::RandomParams>)
                         .Kernel(random::FloatV1Kernel<random::Uniform>));

}  // namespace
}  // namespace opbridge
