// Opbridge>FakeQuantWithMinMaxArgs: TF's FakeQuantWithMinMaxArgs (same input, output and attrs:
// min and max are float attrs). The converter turns TF's op into a QUANTIZE/DEQUANTIZE pair, which
// ignores narrow_range, quantizes 2- to 7-bit ranges at 8 bits, fails to prepare for num_bits 16,
// rounds some values one level apart and gives 0 for NaN (measured, docs/ops/fake_quant.md);
// opbridge.convert substitutes this op for TF's (Replaces) in float conversions. TF's kernel and
// its check of the attrs (fake_quant.h).
#include "fake_quant.h"

namespace opbridge {
namespace {

struct ArgsParams {
  double min = -6.0;
  double max = 6.0;
  int64_t num_bits = 8;
  bool narrow_range = false;

  static void Declare(ParamBinder& b, ArgsParams& p) {
    b.Attr("min: float = -6", &p.min);
    b.Attr("max: float = 6", &p.max);
    b.Attr("num_bits: int = 8", &p.num_bits);
    b.Attr("narrow_range: bool = false", &p.narrow_range);
  }
  Status Validate() const {
    const float lo = static_cast<float>(min), hi = static_cast<float>(max);
    OPBRIDGE_REQUIRE(lo < hi, "min has to be smaller than max, was: ", lo, " >= ", hi);
    return fake_quant::CheckNumBits(num_bits);
  }
};

Status Kernel(KernelContext& ctx, const ArgsParams& p) {
  const fake_quant::Quantizer q =
      fake_quant::Nudge(static_cast<float>(p.min), static_cast<float>(p.max), p.num_bits, p.narrow_range);
  fake_quant::ApplyAll</*kDivide=*/false>(ctx, q);
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>FakeQuantWithMinMaxArgs")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("Fake-quantizes inputs with float attrs min and max; computes TF's "
                              "FakeQuantWithMinMaxArgs (tf.quantization.fake_quant_with_min_max_args).")
                         .Input("inputs: float")
                         .Output("outputs: float")
                         .Params<ArgsParams>()
                         .Replaces("FakeQuantWithMinMaxArgs")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
