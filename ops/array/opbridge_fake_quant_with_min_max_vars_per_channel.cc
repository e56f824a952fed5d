// Opbridge>FakeQuantWithMinMaxVarsPerChannel: TF's FakeQuantWithMinMaxVarsPerChannel (same inputs,
// output and attrs). Where min and max are constants (a quantization-aware-trained model exported
// as float: its ranges frozen) the converter keeps TF's op but puts a QUANTIZE/DEQUANTIZE pair of
// its own after it, which moves values one level (measured, docs/ops/fake_quant.md);
// opbridge.convert substitutes this op for TF's (Replaces) in float conversions, and the converter
// adds no pair after it.
#include "fake_quant_per_channel.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>FakeQuantWithMinMaxVarsPerChannel")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Fake-quantizes inputs [..., d] per channel with min and max [d]; computes TF's "
                              "FakeQuantWithMinMaxVarsPerChannel without the converter's requantization.")
                         .Input("inputs: float")
                         .Input("min: float")
                         .Input("max: float")
                         .Output("outputs: float")
                         .Params<fake_quant::PerChannelParams>()
                         .Replaces("FakeQuantWithMinMaxVarsPerChannel")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(fake_quant::PerChannelKernel));

}  // namespace
}  // namespace opbridge
