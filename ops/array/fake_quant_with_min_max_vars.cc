// FakeQuantWithMinMaxVars (tf.quantization.fake_quant_with_min_max_vars): inputs fake-quantized
// with scalar tensors min and max. The converter leaves CUSTOM "FakeQuantWithMinMaxVars"
// {num_bits, narrow_range} where min or max is computed in the model (it turns constant ones
// into QUANTIZE/DEQUANTIZE builtins, which opbridge.convert avoids by substituting
// Opbridge>FakeQuantWithMinMaxVars: opbridge_fake_quant_with_min_max_vars.cc). TF's kernel,
// dividing by the nudged scale where the other two multiply by its inverse (fake_quant.h).
#include "fake_quant.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("FakeQuantWithMinMaxVars")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Fake-quantizes inputs with scalar tensors min and max "
                              "(tf.quantization.fake_quant_with_min_max_vars).")
                         .Input("inputs: float")
                         .Input("min: float")
                         .Input("max: float")
                         .Output("outputs: float")
                         .Params<fake_quant::VarsParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(fake_quant::VarsKernel));

}  // namespace
}  // namespace opbridge
