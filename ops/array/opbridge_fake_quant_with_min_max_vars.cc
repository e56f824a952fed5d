// Opbridge>FakeQuantWithMinMaxVars: TF's FakeQuantWithMinMaxVars (same inputs, output and attrs).
// Where min and max are constants the converter turns TF's op into a QUANTIZE/DEQUANTIZE pair,
// which ignores narrow_range, fails to prepare for num_bits 16, rounds some values one level
// apart and gives 0 for NaN (measured, docs/ops/fake_quant.md); opbridge.convert substitutes this
// op for TF's (Replaces) in float conversions, so the model computes TF's values.
#include "fake_quant.h"

namespace opbridge {
namespace {

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>FakeQuantWithMinMaxVars")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Fake-quantizes inputs with scalar tensors min and max; computes TF's "
                              "FakeQuantWithMinMaxVars (tf.quantization.fake_quant_with_min_max_vars).")
                         .Input("inputs: float")
                         .Input("min: float")
                         .Input("max: float")
                         .Output("outputs: float")
                         .Params<fake_quant::VarsParams>()
                         .Replaces("FakeQuantWithMinMaxVars")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(fake_quant::VarsKernel));

}  // namespace
}  // namespace opbridge
