// StringStrip: tf.strings.strip, each string without its leading and trailing
// ASCII whitespace (TF: absl::StripAsciiWhitespace, the bytes ' ', \t, \n,
// \v, \f, \r; other bytes, UTF-8 spaces included, stay). TFLite has no kernel.
#include <string>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace {

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

Status StringStripKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  // Views of the input's strings: the adapter copies each once.
  std::string_view* out = ctx.output(0).data<std::string_view>();
  for (int64_t i = 0; i < input.num_elements(); ++i) {
    std::string_view s = in[i];
    while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
    while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
    out[i] = s;
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringStrip")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Strips leading and trailing ASCII whitespace from each string (tf.strings.strip).")
                         .Input("input: string")
                         .Output("output: string")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringStripKernel));

}  // namespace opbridge
