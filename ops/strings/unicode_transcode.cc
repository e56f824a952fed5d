// UnicodeTranscode: tf.strings.unicode_transcode: each string decoded from
// input_encoding and encoded in output_encoding, shape kept. Decoding as in
// unicode_codec.h, except that with errors='strict' a control character
// replaced by replace_control_characters is an error too (TF's transcode
// counts every replacement, its decode ops only ill-formed input).
#include <cstdint>
#include <string>
#include <string_view>

#include "opbridge/op.h"
#include "string_outputs.h"
#include "unicode_codec.h"

namespace opbridge {
namespace {

struct UnicodeTranscodeParams : unicode::DecodeOptions {
  unicode::Encoding output_encoding = unicode::Encoding::kUtf8;

  static void Declare(ParamBinder& b, UnicodeTranscodeParams& p) {
    b.Attr("input_encoding: string", &p.input_encoding);
    unicode::BindEncoding(b, "output_encoding: {'UTF-8', 'UTF-16-BE', 'UTF-32-BE'}", &p.output_encoding);
    unicode::BindErrors(b, "errors: {'strict', 'replace', 'ignore'} = 'replace'", &p.errors);
    b.Attr("replacement_char: int = 65533", &p.replacement_char);
    b.Attr("replace_control_characters: bool = false", &p.replace_control_characters);
  }
  Status Validate() const { return Check(); }
};

Status UnicodeTranscodeKernel(KernelContext& ctx, const UnicodeTranscodeParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = ctx.output(0).data<std::string>();
  uint64_t bytes = 0;
  for (int64_t i = 0; i < input.num_elements(); ++i) {
    bool replaced = false;
    std::string& s = out[i];
    unicode::Walk(p, in[i], [&](const unicode::Decoded& d) {
      replaced |= d.replaced;
      if (d.emit) unicode::AppendEncoded(p.output_encoding, d.cp, &s);
    });
    OPBRIDGE_REQUIRE(!(replaced && p.errors == unicode::ErrorMode::kStrict),
                     "Invalid formatting on input string");
    // UTF-8 to UTF-32 grows a string up to 4 times: the total must stay addressable.
    bytes += s.size();
    OPBRIDGE_RETURN_IF_ERROR(
        strings::CheckStringOutput("output", static_cast<uint64_t>(input.num_elements()), bytes));
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnicodeTranscode")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Transcodes each string between UTF-8, UTF-16-BE and UTF-32-BE "
                              "(tf.strings.unicode_transcode).")
                         .Input("input: string")
                         .Output("output: string")
                         .Params<UnicodeTranscodeParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(UnicodeTranscodeKernel));

}  // namespace opbridge
