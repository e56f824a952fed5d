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
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Rows begin..end into `out`, with each row's end (a count of pieces from the
// block's start) in `ends`.
Status TokenizeRows(const text::FastWordpieceModel& model, const std::string_view* in, int64_t begin, int64_t end,
                    text::FastWordpieceModel::Output* out, std::vector<int64_t>* ends) {
  for (int64_t i = begin; i < end; ++i) {
    if (model.end_to_end()) {
      bool stalled = false;
      OPBRIDGE_RETURN_IF_ERROR(model.TokenizeText(in[i], out, &stalled));
      OPBRIDGE_REQUIRE(!stalled, "Failed to make any progress in tokenizing the input text.");
    } else {
      OPBRIDGE_RETURN_IF_ERROR(model.TokenizeWord(in[i], out));
    }
    ends->push_back(static_cast<int64_t>(out->ids.size()));
  }
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
  // Rows are tokenized in blocks, on the threads when there are several, and
  // the blocks' pieces joined in row order: the same outputs, and the same
  // first error (the earliest failing row's block reports first).
  int64_t bytes = 0;
  for (int64_t i = 0; i < n; ++i) bytes += static_cast<int64_t>(in[i].size());
  const int64_t blocks = ctx.num_threads() <= 1 ? std::min<int64_t>(n, 1) : std::min<int64_t>(n, 4 * ctx.num_threads());
  std::vector<text::FastWordpieceModel::Output> outs(static_cast<size_t>(blocks));
  std::vector<std::vector<int64_t>> ends(static_cast<size_t>(blocks));
  std::vector<Status> failures(static_cast<size_t>(blocks), Status::Ok());
  const auto first_row = [&](int64_t b) { return n * b / blocks; };
  // Cost: about 30 ns a byte of text (the bench's end-to-end lines at 1 thread).
  ctx.ParallelFor(blocks, 30 * (bytes / std::max<int64_t>(blocks, 1) + 1), [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const auto k = static_cast<size_t>(b);
      failures[k] = TokenizeRows(model, in, first_row(b), first_row(b + 1), &outs[k], &ends[k]);
    }
  });
  for (const Status& failure : failures) OPBRIDGE_RETURN_IF_ERROR(failure);

  int64_t count = 0;
  std::vector<int64_t> splits(1, 0);
  splits.reserve(static_cast<size_t>(n) + 1);
  for (size_t b = 0; b < outs.size(); ++b) {
    for (const int64_t e : ends[b]) splits.push_back(count + e);
    count += static_cast<int64_t>(outs[b].ids.size());
  }
  OPBRIDGE_RETURN_IF_ERROR(WriteInt64(ctx, kRowSplits, splits));
  for (const int i : {kSubwords, kIds, kStarts, kEnds}) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(i, Shape({count})));
  std::string_view indicator;  // read (and checked) by every piece appended: no new error here
  if (count > 0) OPBRIDGE_RETURN_IF_ERROR(model.SuffixIndicator(&indicator));
  // Unsuffixed pieces are views of the input strings or of the model input's
  // unk_token (alive until the adapter copies them); suffixed ones are built.
  std::string* pieces = ctx.output(kSubwords).data<std::string>();
  std::string_view* views = ctx.output(kSubwords).data<std::string_view>();
  int64_t* ids = ctx.output(kIds).data<int64_t>();
  int64_t* starts = ctx.output(kStarts).data<int64_t>();
  int64_t* stops = ctx.output(kEnds).data<int64_t>();
  for (auto& out : outs) {
    for (size_t k = 0; k < out.ids.size(); ++k) {
      if (out.suffixed[k]) {
        pieces->reserve(indicator.size() + out.pieces[k].size());
        pieces->assign(indicator);
        pieces->append(out.pieces[k]);
      } else {
        *views = out.pieces[k];
      }
      ++pieces;
      ++views;
      *ids++ = out.ids[k];
      *starts++ = out.starts[k];
      *stops++ = out.ends[k];
    }
  }
  return Status::Ok();
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
