// TFText>WhitespaceTokenizeWithOffsetsV2: tensorflow-text's WhitespaceTokenizer
// (tokenize / tokenize_with_offsets). The converter keeps TF's name, no
// options; input 1 is the tokenizer's config, a scalar string constant: a
// bitmap with bit (c & 7) of byte (c >> 3) set when code point c is
// whitespace (tf-text fills it from ICU's u_isUWhiteSpace in Python), so no
// Unicode table is needed here.
//
// Semantics (tensorflow_text/core/kernels/whitespace_tokenizer.cc): decode
// code points as ICU's U8_NEXT does (an ill-formed sequence is one
// non-whitespace "character" spanning its maximal valid prefix, at least one
// byte); a token is a maximal run of non-whitespace; its start is the byte of
// its first character. QUIRK kept: a token that ends at a whitespace
// character ends one byte before the end of that character, so before a
// multi-byte space (U+3000: 3 bytes) the token and its end offset take in the
// space's first bytes. Offsets are int32, row splits int64.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "utf8_next.h"

namespace opbridge {
namespace {

enum Input { kValues = 0, kConfig };
enum Output { kTokens = 0, kRowSplits, kStarts, kEnds };

bool IsWhitespace(std::string_view config, int32_t cp) {
  if (cp < 0 || static_cast<uint64_t>(cp) >= uint64_t{config.size()} * 8) return false;
  return (static_cast<uint8_t>(config[static_cast<size_t>(cp) >> 3]) >> (cp & 7)) & 1;
}

Status WhitespaceTokenizeShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kValues, 1));
  for (int i = kTokens; i <= kEnds; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status WhitespaceTokenizeKernel(KernelContext& ctx) {
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& config_t = ctx.input(kConfig);
  OPBRIDGE_REQUIRE(config_t.num_elements() == 1, "input 'input_config' must be a scalar string, got ",
                   config_t.num_elements(), " elements");
  const std::string_view config = config_t.data<std::string_view>()[0];
  const std::string_view* in = values.data<std::string_view>();
  const int64_t n = values.dim(0);
  std::vector<std::string_view> tokens;
  std::vector<int32_t> starts, ends;
  std::vector<int64_t> splits(1, 0);
  for (int64_t i = 0; i < n; ++i) {
    const std::string_view s = in[i];
    size_t pos = 0, start = 0;
    bool inside = false;
    while (pos < s.size()) {
      const size_t before = pos;
      const int32_t cp = text::NextCodePoint(s, &pos);
      if (IsWhitespace(config, cp)) {
        if (inside) {
          const size_t end = pos - 1;  // tf-text's end, right only for 1-byte spaces
          tokens.push_back(s.substr(start, end - start));
          ends.push_back(static_cast<int32_t>(end));
          inside = false;
        }
      } else if (!inside) {
        start = before;
        starts.push_back(static_cast<int32_t>(start));
        inside = true;
      }
    }
    if (inside) {
      tokens.push_back(s.substr(start));
      ends.push_back(static_cast<int32_t>(s.size()));
    }
    splits.push_back(static_cast<int64_t>(tokens.size()));
  }
  const auto count = static_cast<int64_t>(tokens.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kTokens, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kRowSplits, Shape({n + 1})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kStarts, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kEnds, Shape({count})));
  // Tokens are views of the input's strings: the adapter copies each once.
  std::string_view* out = ctx.output(kTokens).data<std::string_view>();
  for (int64_t k = 0; k < count; ++k) {
    out[k] = tokens[static_cast<size_t>(k)];
    ctx.output(kStarts).data<int32_t>()[k] = starts[static_cast<size_t>(k)];
    ctx.output(kEnds).data<int32_t>()[k] = ends[static_cast<size_t>(k)];
  }
  for (int64_t k = 0; k <= n; ++k) ctx.output(kRowSplits).data<int64_t>()[k] = splits[static_cast<size_t>(k)];
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("TFText>WhitespaceTokenizeWithOffsetsV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's WhitespaceTokenizer: tokens (runs of non-whitespace, by the "
                              "config's code point bitmap), row splits and byte offsets.")
                         .Input("input_values: string")
                         .Input("input_config: string")
                         .Output("output_tokens: string")
                         .Output("output_row_splits: int64")
                         .Output("output_start_offsets: int32")
                         .Output("output_end_offsets: int32")
                         .ShapeRule(WhitespaceTokenizeShape)
                         .Kernel(WhitespaceTokenizeKernel));

}  // namespace opbridge
