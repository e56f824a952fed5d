// FakeQuantWithMinMaxVarsPerChannel (tf.quantization.fake_quant_with_min_max_vars_per_channel):
// inputs [..., d] fake-quantized per last-dim channel with min and max [d] (tensors: trained
// ranges of quantization-aware models exported as float). The converter leaves CUSTOM
// "FakeQuantWithMinMaxVarsPerChannel" {num_bits, narrow_range}. TF's kernel, with its nudging and
// its errors (fake_quant.h); rank-0 inputs, which crash TF's kernel (a CHECK on dim -1), are an
// error here.
#include "fake_quant_per_channel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("FakeQuantWithMinMaxVarsPerChannel")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Fake-quantizes inputs [..., d] per channel with min and max [d] "
                              "(tf.quantization.fake_quant_with_min_max_vars_per_channel).")
                         .Input("inputs: float")
                         .Input("min: float")
                         .Input("max: float")
                         .Output("outputs: float")
                         .Params<fake_quant::PerChannelParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(fake_quant::PerChannelKernel));

}  // namespace
}  // namespace opbridge
