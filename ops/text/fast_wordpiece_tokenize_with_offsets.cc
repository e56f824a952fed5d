// FastWordpieceTokenizeWithOffsets: tensorflow-text's FastWordpieceTokenizer
// (tf_text.FastWordpieceTokenizer.tokenize_with_offsets; keras-hub's
// WordPieceTokenizer builds one with no_pretokenization=True). The converter
// leaves the TF op CUSTOM under its TF name, no options; input 1 is the
// tokenizer's model flatbuffer as a uint8 constant.
//
// keras-hub's models (end_to_end false) take each input string as one word:
// LinMaxMatch over the model's trie and failure links (fast_wordpiece_model.h).
// tf-text's default models (no_pretokenization=False, end_to_end true) split
// the string into words at Unicode whitespace and punctuation while matching
// (tables measured from tf-text's ICU: wordpiece_unicode.h).
// Outputs, ragged by output_row_splits: the word pieces ("##"-prefixed after
// the first piece of a word, the unk_token string for unknown words), their
// ids, and their [start, end) byte offsets in the input string; a word longer
// than max_bytes_per_token, or one the vocabulary cannot cover, is the one
// unk_token spanning the whole word.
#include <cstdint>
#include <string>
#include <string_view>

#include "fast_wordpiece_model.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

enum Input { kValues = 0, kModel };
enum Output { kSubwords = 0, kIds, kRowSplits, kStarts, kEnds };

Status FastWordpieceTokenizeShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kValues, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kModel, 1));
  for (int i = kSubwords; i <= kEnds; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status WriteInt64(KernelContext& ctx, int i, const std::vector<int64_t>& v) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(i, Shape({static_cast<int64_t>(v.size())})));
  int64_t* out = ctx.output(i).data<int64_t>();
  for (size_t k = 0; k < v.size(); ++k) out[k] = v[k];
  return Status::Ok();
}

Status FastWordpieceTokenizeKernel(KernelContext& ctx) {
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& model_t = ctx.input(kModel);
  text::FastWordpieceModel model;
  OPBRIDGE_RETURN_IF_ERROR(model.Parse(model_t.data<uint8_t>(), static_cast<uint64_t>(model_t.num_elements()),
                                       "input 'wp_model'"));
  const std::string_view* in = values.data<std::string_view>();
  const int64_t n = values.dim(0);
  text::FastWordpieceModel::Output out;
  std::vector<int64_t> splits(1, 0);
  splits.reserve(static_cast<size_t>(n) + 1);
  for (int64_t i = 0; i < n; ++i) {
    if (model.end_to_end()) {
      bool stalled = false;
      OPBRIDGE_RETURN_IF_ERROR(model.TokenizeText(in[i], &out, &stalled));
      OPBRIDGE_REQUIRE(!stalled, "Failed to make any progress in tokenizing the input text.");
    } else {
      OPBRIDGE_RETURN_IF_ERROR(model.TokenizeWord(in[i], &out));
    }
    splits.push_back(static_cast<int64_t>(out.ids.size()));
  }
  const auto count = static_cast<int64_t>(out.ids.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(kSubwords, Shape({count})));
  std::string* pieces = ctx.output(kSubwords).data<std::string>();
  for (int64_t k = 0; k < count; ++k) pieces[k] = std::move(out.pieces[static_cast<size_t>(k)]);
  OPBRIDGE_RETURN_IF_ERROR(WriteInt64(ctx, kIds, out.ids));
  OPBRIDGE_RETURN_IF_ERROR(WriteInt64(ctx, kRowSplits, splits));
  OPBRIDGE_RETURN_IF_ERROR(WriteInt64(ctx, kStarts, out.starts));
  return WriteInt64(ctx, kEnds, out.ends);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("FastWordpieceTokenizeWithOffsets")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's FastWordpieceTokenizer (LinMaxMatch over its model flatbuffer): "
                              "word pieces, ids, row splits and byte offsets of each input word.")
                         .Input("input_values: string")
                         .Input("wp_model: uint8")
                         .Output("output_subwords: string")
                         .Output("output_ids: int64")
                         .Output("output_row_splits: int64")
                         .Output("start_values: int64")
                         .Output("end_values: int64")
                         .ShapeRule(FastWordpieceTokenizeShape)
                         .Kernel(FastWordpieceTokenizeKernel));

}  // namespace opbridge
