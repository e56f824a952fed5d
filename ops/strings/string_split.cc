// StringSplit: tf.compat.v1.string_split and tf.strings.bytes_split (which
// keras-hub's BPE tokenizer calls with delimiter "" and skip_empty false).
// As TF's kernel (string_split_op.cc, Split):
// - an empty input string gives no tokens, whatever skip_empty says;
// - an empty delimiter gives one token per byte (skip_empty is moot);
// - a one-byte delimiter splits on that byte; a longer one is a SET of
//   bytes, each of which splits (not a multi-byte separator);
// - skip_empty (default true) drops empty tokens.
// Outputs are TF's sparse triple: indices [n, 2], values [n], shape
// [rows, longest row].
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct StringSplitParams {
  bool skip_empty = true;

  static void Declare(ParamBinder& b, StringSplitParams& p) {
    b.Attr("skip_empty: bool = true", &p.skip_empty);
  }
};

void Split(std::string_view text, std::string_view delimiter, bool skip_empty,
           std::vector<std::string_view>* out) {
  if (text.empty()) return;
  if (delimiter.empty()) {
    for (size_t i = 0; i < text.size(); ++i) out->push_back(text.substr(i, 1));
    return;
  }
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || delimiter.find(text[i]) != std::string_view::npos) {
      if (!skip_empty || i > start) out->push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
}

Status StringSplitShape(ShapeContext& ctx) { return strings::SparseSplitShape(ctx, "delimiter"); }

// An empty delimiter (tf.strings.bytes_split): every byte is a token, so the
// outputs are written straight from the inputs, without a list of token views.
Status BytesSplit(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  const int64_t rows = input.num_elements();
  uint64_t bytes = 0;
  int64_t longest = 0;
  for (int64_t i = 0; i < rows; ++i) {
    bytes += in[i].size();
    longest = std::max(longest, static_cast<int64_t>(in[i].size()));
  }
  const int64_t n = static_cast<int64_t>(bytes);
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("values", bytes, bytes));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n, 2})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n})));
  int64_t* indices = ctx.output(0).data<int64_t>();
  std::string_view* values = ctx.output(1).data<std::string_view>();  // views of the input: copied once
  int64_t* shape = ctx.output(2).data<int64_t>();
  int64_t c = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const std::string_view text = in[i];
    for (size_t j = 0; j < text.size(); ++j, ++c) {
      indices[2 * c] = i;
      indices[2 * c + 1] = static_cast<int64_t>(j);
      values[c] = text.substr(j, 1);
    }
  }
  shape[0] = rows;
  shape[1] = longest;
  return Status::Ok();
}

Status StringSplitKernel(KernelContext& ctx, const StringSplitParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  const std::string_view delimiter = ctx.input(1).data<std::string_view>()[0];
  if (delimiter.empty()) return BytesSplit(ctx);
  std::vector<std::string_view> tokens;
  std::vector<int64_t> row_sizes(static_cast<size_t>(input.num_elements()));
  for (int64_t i = 0; i < input.num_elements(); ++i) {
    const size_t before = tokens.size();
    Split(in[i], delimiter, p.skip_empty, &tokens);
    row_sizes[static_cast<size_t>(i)] = static_cast<int64_t>(tokens.size() - before);
  }
  return strings::WriteSparseTokens(ctx, tokens, row_sizes);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringSplit")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Splits each string on any byte of a delimiter set, or into bytes when it is "
                              "empty (tf.compat.v1.string_split, tf.strings.bytes_split); sparse output.")
                         .Input("input: string")
                         .Input("delimiter: string")
                         .Output("indices: int64")
                         .Output("values: string")
                         .Output("shape: int64")
                         .Params<StringSplitParams>()
                         .ShapeRule(StringSplitShape)
                         .Kernel(StringSplitKernel));

}  // namespace opbridge
