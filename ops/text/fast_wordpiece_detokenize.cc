// TFText>FastWordpieceDetokenize: tensorflow-text's FastWordpieceTokenizer
// .detokenize (keras-hub's WordPieceTokenizer.detokenize); TF's op name has
// the "TFText>" prefix, and the converter keeps it. Inputs: ids (int32),
// row splits (int64), the tokenizer's model flatbuffer (uint8).
//
// Each row's ids become one string: a piece that is not a suffix starts a new
// word, words are joined by one space, suffix pieces are appended without
// their "##" (a row that starts with a suffix piece keeps the indicator).
// Needs a model built with support_detokenization=True (tf-text's error text
// otherwise). Ids outside the vocabulary: tf-text's "Token ID out of bounds".
// tf-text does not check the row splits (it reads out of bounds with bad
// ones); here they must be non-decreasing and within the ids.
#include <climits>
#include <cstdint>
#include <string>

#include "fast_wordpiece_model.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

enum Input { kValues = 0, kRowSplits, kModel };

Status FastWordpieceDetokenizeShape(ShapeContext& ctx) {
  for (int i = kValues; i <= kModel; ++i) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(i, 1));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status FastWordpieceDetokenizeKernel(KernelContext& ctx) {
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& splits_t = ctx.input(kRowSplits);
  const ConstTensor& model_t = ctx.input(kModel);
  text::FastWordpieceModel model;
  OPBRIDGE_RETURN_IF_ERROR(model.Parse(model_t.data<uint8_t>(), static_cast<uint64_t>(model_t.num_elements()),
                                       "input 'wp_model'"));
  const int32_t* ids = values.data<int32_t>();
  const int64_t* splits = splits_t.data<int64_t>();
  const int64_t rows = splits_t.dim(0) > 0 ? splits_t.dim(0) - 1 : 0;
  for (int64_t i = 0; i < rows; ++i) {
    OPBRIDGE_REQUIRE(splits[i] >= 0 && splits[i] <= splits[i + 1] && splits[i + 1] <= values.dim(0),
                     "input 'input_row_splits' must be non-decreasing and within the ", values.dim(0),
                     " ids, got splits[", i, "] = ", splits[i], ", splits[", i + 1, "] = ", splits[i + 1]);
  }
  std::vector<std::string> texts(static_cast<size_t>(rows));
  uint64_t budget = INT32_MAX;  // TFLite's string offsets are int32
  for (int64_t i = 0; i < rows; ++i) {
    OPBRIDGE_RETURN_IF_ERROR(
        model.Detokenize(ids + splits[i], splits[i + 1] - splits[i], &budget, &texts[static_cast<size_t>(i)]));
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({rows})));
  std::string* out = ctx.output(0).data<std::string>();
  for (int64_t i = 0; i < rows; ++i) out[i] = std::move(texts[static_cast<size_t>(i)]);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("TFText>FastWordpieceDetokenize")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's FastWordpieceTokenizer.detokenize: each row of word-piece ids "
                              "as one string, words joined by spaces.")
                         .Input("input_values: int32")
                         .Input("input_row_splits: int64")
                         .Input("wp_model: uint8")
                         .Output("output_words: string")
                         .ShapeRule(FastWordpieceDetokenizeShape)
                         .Kernel(FastWordpieceDetokenizeKernel));

}  // namespace opbridge
