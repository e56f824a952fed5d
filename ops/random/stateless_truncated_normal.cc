// StatelessTruncatedNormal: normal floats with |x| < 2 from a seed pair (the V1 op):
// StatelessTruncatedNormalV2's values for the key and counter of the seed.
#include "stateless_random.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("StatelessTruncatedNormal")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Truncated standard normal values (|x| < 2) from a seed pair (V1 op).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Output("output: dtype")
                         .Params<random::RandomParams>()
                         .Attr("T: {int32, int64} = DT_INT32")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<random::RandomParams>)
                         .Kernel(random::FloatV1Kernel<random::TruncatedNormal>));

}  // namespace
}  // namespace opbridge
