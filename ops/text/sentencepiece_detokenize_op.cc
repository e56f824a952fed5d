// SentencepieceDetokenizeOp (tensorflow-text, tensorflow_text/core/kernels/
// sentencepiece_kernels.cc; tf_text.SentencepieceTokenizer.detokenize and
// keras-hub's SentencePieceTokenizer.detokenize): one string per row of
// ragged ids (int32) or pieces (string), decoded with the model of the
// SentencepieceOp resource `sp_handle` (sentencepiece_decode.h).
//
// tf-text checks only that the splits are not empty and that each row's
// start is within the values, and builds a row from [splits[i], splits[i+1])
// unchecked (decreasing splits are undefined behaviour there): here every
// split must be within the values and non-decreasing, else an error naming
// input_splits. With no values at all tf-text computes nothing and each row
// is "" (same here). Ids outside the vocabulary: sentencepiece's
// "Invalid id: <id>".
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "sentencepiece_decode.h"
#include "sentencepiece_resource.h"

namespace opbridge {
namespace {

enum Input { kHandle = 0, kValues, kSplits, kAddBos, kAddEos, kReverse };

Status DetokenizeShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kSplits, 1));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

Status ReadBool(const ConstTensor& t, const char* name, bool* out) {
  OPBRIDGE_REQUIRE(t.num_elements() == 1, "input '", name, "' must be a scalar bool, got shape ",
                   t.shape().ToString());
  *out = t.data<bool>()[0];
  return Status::Ok();
}

template <typename S>
Status Detokenize(KernelContext& ctx, text::SentencepieceResource* sp, const text::sp::Options& o) {
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& splits_t = ctx.input(kSplits);
  const S* splits = splits_t.data<S>();
  const int64_t num_splits = splits_t.num_elements();
  OPBRIDGE_REQUIRE(num_splits > 0, "input_splits must have at least 1 element.");
  const int64_t rows = num_splits - 1;
  const int64_t n = values.num_elements();
  const text::sp::Model& m = sp->model();
  std::vector<std::string> out(static_cast<size_t>(rows));
  uint64_t bytes = 0;
  if (n > 0) {
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t begin = static_cast<int64_t>(splits[i]), end = static_cast<int64_t>(splits[i + 1]);
      OPBRIDGE_REQUIRE(begin >= 0 && begin <= end && end <= n, "input 'input_splits': row ", i, " is [", begin,
                       ", ", end, ") but values size is ", n);
      std::vector<std::string_view> pieces;
      pieces.reserve(static_cast<size_t>(end - begin));
      if (values.dtype() == DType::kString) {
        const std::string_view* v = values.data<std::string_view>();
        for (int64_t k = begin; k < end; ++k) pieces.push_back(v[k]);
      } else {
        const int32_t* v = values.data<int32_t>();
        for (int64_t k = begin; k < end; ++k) {
          OPBRIDGE_REQUIRE(v[k] >= 0 && static_cast<size_t>(v[k]) < m.pieces.size(), "Invalid id: ", v[k]);
          pieces.push_back(m.pieces[static_cast<size_t>(v[k])].piece);
        }
      }
      OPBRIDGE_RETURN_IF_ERROR(text::sp::Decode(m, std::move(pieces), o, &out[static_cast<size_t>(i)]));
      bytes += out[static_cast<size_t>(i)].size();
      OPBRIDGE_REQUIRE(bytes < (uint64_t{1} << 30), "output 'output_values': ", bytes,
                       " bytes exceed a TFLite string tensor");
    }
  }
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({rows})));
  std::string* result = ctx.output(0).data<std::string>();
  for (int64_t i = 0; i < rows; ++i) result[i] = std::move(out[static_cast<size_t>(i)]);
  return Status::Ok();
}

Status DetokenizeKernel(KernelContext& ctx) {
  text::SentencepieceResource* sp = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(text::InputSentencepiece(ctx, &sp));
  text::sp::Options o;
  OPBRIDGE_RETURN_IF_ERROR(ReadBool(ctx.input(kAddBos), "add_bos", &o.add_bos));
  OPBRIDGE_RETURN_IF_ERROR(ReadBool(ctx.input(kAddEos), "add_eos", &o.add_eos));
  OPBRIDGE_RETURN_IF_ERROR(ReadBool(ctx.input(kReverse), "reverse", &o.reverse));
  OPBRIDGE_RETURN_IF_ERROR(text::sp::CheckOptions(sp->model(), o));
  if (ctx.input(kSplits).dtype() == DType::kInt32) return Detokenize<int32_t>(ctx, sp, o);
  return Detokenize<int64_t>(ctx, sp, o);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SentencepieceDetokenizeOp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's SentencePiece detokenization: one string per row of ragged ids "
                              "or pieces.")
                         .Input("sp_handle: resource")
                         .Input("input_values: T")
                         .Input("input_splits: Tsplits")
                         .Input("add_bos: bool")
                         .Input("add_eos: bool")
                         .Input("reverse: bool")
                         .Output("output: string")
                         .Attr("T: {int32, string} = DT_INT32")
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(DetokenizeShape)
                         .Kernel(DetokenizeKernel));

}  // namespace opbridge
