// StringLength: tf.strings.length, int32 per string. unit BYTE: the byte
// count; UTF8_CHAR: TF's UTF8StrLen, the bytes that are not continuation
// bytes (10xxxxxx), with no validation (ill-formed UTF-8 gives TF's count).
#include <string_view>

#include "char_unit.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct StringLengthParams {
  strings::CharUnit unit = strings::CharUnit::kByte;

  static void Declare(ParamBinder& b, StringLengthParams& p) { strings::DeclareUnit(b, &p.unit); }
};

Status StringLengthKernel(KernelContext& ctx, const StringLengthParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  int32_t* out = ctx.output(0).data<int32_t>();
  for (int64_t i = 0; i < input.num_elements(); ++i) {
    int64_t n = static_cast<int64_t>(in[i].size());
    if (p.unit == strings::CharUnit::kUtf8Char) {
      for (char c : in[i]) n -= strings::IsTrailByte(c) ? 1 : 0;
    }
    out[i] = static_cast<int32_t>(n);  // strings in a TFLite buffer are < 2^31 bytes
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringLength")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The length of each string in bytes or UTF-8 characters (tf.strings.length).")
                         .Input("input: string")
                         .Output("output: int32")
                         .Params<StringLengthParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringLengthKernel));

}  // namespace opbridge
