// StatelessRandomNormal: standard normal floats from a seed pair (the V1 op):
// StatelessRandomNormalV2's values for the key and counter of the seed.
#include "stateless_random.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomNormal")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Standard normal values from a seed pair (V1 op).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Output("output: dtype")
                         .Params<random::RandomParams>()
                         .Attr("T: {int32, int64} = DT_INT32")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<random::RandomParams>)
                         .Kernel(random::FloatV1Kernel<random::Normal>));

}  // namespace
}  // namespace opbridge
