// StringSplitV2: tf.strings.split, which Keras TextVectorization's default
// split ("whitespace") and keras-hub's BPE merge loop emit. Python's
// str.split as TF's kernel implements it (string_split_op.cc, SplitV2):
// - maxsplit 0: the whole string is the one token.
// - empty sep: leading ASCII whitespace (' ', \t, \n, \v, \f, \r) is
//   skipped, tokens are the runs of other bytes; after `maxsplit` tokens
//   the rest, its leading whitespace skipped, is one more token, even when
//   it is empty (TF's quirk: "a b" with maxsplit 2 gives "a", "b", "").
//   Empty and all-whitespace strings give no tokens.
// - a non-empty sep is matched whole, left to right; empty tokens are kept
//   and "" gives one empty token.
// Outputs are TF's sparse triple: indices [n, 2], values [n], shape
// [rows, longest row].
#include <algorithm>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct StringSplitV2Params {
  int64_t maxsplit = -1;

  static void Declare(ParamBinder& b, StringSplitV2Params& p) { b.Attr("maxsplit: int = -1", &p.maxsplit); }

  // TF reads the attr into an int.
  Status Validate() const {
    OPBRIDGE_REQUIRE(maxsplit >= INT32_MIN && maxsplit <= INT32_MAX, "Attr maxsplit has value ", maxsplit,
                     " out of range for an int32");
    return Status::Ok();
  }
};

bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void SkipSpace(std::string_view* text) {
  size_t i = 0;
  while (i < text->size() && IsAsciiSpace((*text)[i])) ++i;
  text->remove_prefix(i);
}

void SplitV2(std::string_view text, std::string_view sep, int64_t maxsplit, std::vector<std::string_view>* out) {
  if (maxsplit == 0) {
    out->push_back(text);
    return;
  }
  int64_t splits = 0;
  if (sep.empty()) {
    SkipSpace(&text);
    while (!text.empty()) {
      size_t n = 0;
      while (n < text.size() && !IsAsciiSpace(text[n])) ++n;
      out->push_back(text.substr(0, n));
      text.remove_prefix(n);
      SkipSpace(&text);
      if (maxsplit > 0 && ++splits == maxsplit) {
        out->push_back(text);
        return;
      }
    }
    return;
  }
  for (size_t at = text.find(sep); at != std::string_view::npos; at = text.find(sep)) {
    out->push_back(text.substr(0, at));
    text.remove_prefix(at + sep.size());
    if (maxsplit > 0 && ++splits == maxsplit) break;
  }
  out->push_back(text);
}

Status StringSplitV2Shape(ShapeContext& ctx) { return strings::SparseSplitShape(ctx, "sep"); }

Status StringSplitV2Kernel(KernelContext& ctx, const StringSplitV2Params& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  const std::string_view sep = ctx.input(1).data<std::string_view>()[0];
  std::vector<std::string_view> tokens;
  std::vector<int64_t> row_sizes(static_cast<size_t>(input.num_elements()));
  for (int64_t i = 0; i < input.num_elements(); ++i) {
    const size_t before = tokens.size();
    SplitV2(in[i], sep, p.maxsplit, &tokens);
    row_sizes[static_cast<size_t>(i)] = static_cast<int64_t>(tokens.size() - before);
  }
  return strings::WriteSparseTokens(ctx, tokens, row_sizes);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringSplitV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Splits each string on a separator, or on ASCII whitespace when it is empty "
                              "(tf.strings.split); sparse indices, values and shape.")
                         .Input("input: string")
                         .Input("sep: string")
                         .Output("indices: int64")
                         .Output("values: string")
                         .Output("shape: int64")
                         .Params<StringSplitV2Params>()
                         .ShapeRule(StringSplitV2Shape)
                         .Kernel(StringSplitV2Kernel));

}  // namespace opbridge
