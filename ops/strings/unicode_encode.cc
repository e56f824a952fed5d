// UnicodeEncode: tf.strings.unicode_encode (and the character join of Keras
// TextVectorization(split="character")): rows of code points, given as
// values and row splits, encoded as one string each in UTF-8, UTF-16-BE or
// UTF-32-BE. TF's checks, in its order: both inputs vectors, splits not
// empty, splits[0] == 0, the last split == len(values), then per row
// ascending and within the values. A code point above U+10FFFF, negative or
// a surrogate is an error ('strict'), dropped ('ignore') or replacement_char
// ('replace'); noncharacters are encoded. A surrogate replacement_char is
// written as ICU serializes a lone surrogate (unicode_codec.h).
#include <cstdint>
#include <string>

#include "opbridge/op.h"
#include "string_outputs.h"
#include "unicode_codec.h"

namespace opbridge {
namespace {

struct UnicodeEncodeParams {
  unicode::ErrorMode errors = unicode::ErrorMode::kReplace;
  unicode::Encoding output_encoding = unicode::Encoding::kUtf8;
  int64_t replacement_char = 0xFFFD;

  static void Declare(ParamBinder& b, UnicodeEncodeParams& p) {
    unicode::BindErrors(b, "errors: {'ignore', 'replace', 'strict'} = 'replace'", &p.errors);
    unicode::BindEncoding(b, "output_encoding: {'UTF-8', 'UTF-16-BE', 'UTF-32-BE'}", &p.output_encoding);
    b.Attr("replacement_char: int = 65533", &p.replacement_char);
  }
  Status Validate() const { return unicode::CheckReplacementChar(replacement_char); }
};

Status UnicodeEncodeShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename S>
Status Encode(KernelContext& ctx, const UnicodeEncodeParams& p) {
  const ConstTensor& values = ctx.input(0);
  const ConstTensor& splits = ctx.input(1);
  OPBRIDGE_REQUIRE(values.rank() == 1 && splits.rank() == 1,
                   "Both the input_tensor and input_splits should be of rank 1.");
  const int64_t nvalues = values.num_elements();
  const int64_t nsplits = splits.num_elements();
  OPBRIDGE_REQUIRE(nsplits > 0, "Input_splits should contain elements, but given input_values has ", nsplits,
                   " elements");
  const int32_t* cps = values.data<int32_t>();
  const S* sp = splits.data<S>();
  OPBRIDGE_REQUIRE(sp[0] == 0, "First value in input_splits must be zero.");
  OPBRIDGE_REQUIRE(static_cast<int64_t>(sp[nsplits - 1]) == nvalues,
                   "Last value in input_splits must be equal to length of input_tensor.");
  const auto valid = [](int32_t c) { return c >= 0 && c <= 0x10FFFF && !unicode::IsSurrogate(c); };
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({nsplits - 1})));
  std::string* out = ctx.output(0).data<std::string>();
  uint64_t bytes = 0;
  // Row by row, each row's splits checked before its code points: TF's order, so the same error wins.
  for (int64_t i = 1; i < nsplits; ++i) {
    OPBRIDGE_REQUIRE(sp[i - 1] <= sp[i], "Values in input_splits must be equal or in ascending order.");
    OPBRIDGE_REQUIRE(static_cast<int64_t>(sp[i]) <= nvalues,
                     "Values in input_splits must be less than or equal to input_tensor length.");
    std::string& s = out[i - 1];
    for (int64_t k = sp[i - 1]; k < static_cast<int64_t>(sp[i]); ++k) {
      char32_t c = static_cast<char32_t>(cps[k]);
      if (!valid(cps[k])) {
        OPBRIDGE_REQUIRE(p.errors != unicode::ErrorMode::kStrict,
                         "Code point is out of range for Unicode, or is a surrogate.");
        if (p.errors == unicode::ErrorMode::kIgnore) continue;
        c = static_cast<char32_t>(p.replacement_char);
      }
      unicode::AppendEncoded(p.output_encoding, c, &s);
    }
    // At most 4 bytes per code point of the input: built, then checked against TFLite's offsets.
    bytes += s.size();
    OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", static_cast<uint64_t>(nsplits - 1), bytes));
  }
  return Status::Ok();
}

Status UnicodeEncodeKernel(KernelContext& ctx, const UnicodeEncodeParams& p) {
  const DType splits = ctx.input(1).dtype();
  OPBRIDGE_REQUIRE(splits == DType::kInt32 || splits == DType::kInt64,
                   "input 'input_splits' must be int32 or int64, got ", DTypeName(splits));
  return splits == DType::kInt32 ? Encode<int32_t>(ctx, p) : Encode<int64_t>(ctx, p);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("UnicodeEncode")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Encodes ragged rows of code points as strings in UTF-8, UTF-16-BE or "
                              "UTF-32-BE.")
                         .Input("input_values: int32")
                         .Input("input_splits: Tsplits")
                         .Output("output: string")
                         .Params<UnicodeEncodeParams>()
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(UnicodeEncodeShape)
                         .Kernel(UnicodeEncodeKernel));

}  // namespace opbridge
