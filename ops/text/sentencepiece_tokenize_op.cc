// SentencepieceTokenizeOp (tensorflow-text, tensorflow_text/core/kernels/
// sentencepiece_kernels.cc): tokenizes each string of a rank-1 batch with the
// model of the SentencepieceOp resource `sp_handle`; outputs the pieces' ids
// (out_type int32) or strings (out_type string), flat, with row splits.
// add_bos / add_eos / reverse are scalar inputs applied in that order (bos
// first, then eos, then the whole row reversed), as sentencepiece's
// "bos:eos:reverse" extra options. Encoding: sentencepiece_encode.h.
//
// Sampling (nbest_size other than 0 and 1 selects SampleEncode, random) and
// return_nbest (NBestEncode) are refused: their results cannot match TF's.
// tf_text.SentencepieceTokenizer and keras-hub pass nbest_size 0.
#include <cstdint>
#include <type_traits>
#include <string>
#include <vector>

#include "../strings/parallel_each.h"
#include "opbridge/op.h"
#include "sentencepiece_resource.h"

namespace opbridge {
namespace {

enum Input { kHandle = 0, kValues, kNbestSize, kAlpha, kAddBos, kAddEos, kReverse };

struct TokenizeParams {
  DType out_type = DType::kInt32;
  DType tsplits = DType::kInt64;
  bool return_nbest = false;

  static void Declare(ParamBinder& b, TokenizeParams& p) {
    b.Attr("out_type: {int32, string} = DT_INT32", &p.out_type);
    b.Attr("Tsplits: {int32, int64} = DT_INT64", &p.tsplits);
    b.Attr("return_nbest: bool = false", &p.return_nbest);
  }
};

Status TokenizeShape(ShapeContext& ctx, const TokenizeParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(kValues, 1));
  ctx.set_output_dynamic(0);
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

Status ReadBool(const ConstTensor& t, const char* name, bool* out) {
  OPBRIDGE_REQUIRE(t.num_elements() == 1, "input '", name, "' must be a scalar bool, got shape ",
                   t.shape().ToString());
  *out = t.data<bool>()[0];
  return Status::Ok();
}

template <typename S>
Status WriteOutputs(KernelContext& ctx, const TokenizeParams& p, const std::vector<std::vector<text::sp::Token>>& rows) {
  int64_t total = 0;
  for (const auto& r : rows) total += static_cast<int64_t>(r.size());
  OPBRIDGE_REQUIRE((std::is_same_v<S, int64_t> || total <= INT32_MAX), "output 'output_splits': ", total,
                   " tokens do not fit Tsplits int32");
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({total})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({static_cast<int64_t>(rows.size()) + 1})));
  S* splits = ctx.output(1).data<S>();
  splits[0] = 0;
  int64_t k = 0;
  if (p.out_type == DType::kString) {
    std::string* values = ctx.output(0).data<std::string>();
    for (size_t i = 0; i < rows.size(); ++i) {
      for (const auto& t : rows[i]) values[k++] = t.piece;
      splits[i + 1] = static_cast<S>(k);
    }
  } else {
    int32_t* values = ctx.output(0).data<int32_t>();
    for (size_t i = 0; i < rows.size(); ++i) {
      for (const auto& t : rows[i]) values[k++] = t.id;
      splits[i + 1] = static_cast<S>(k);
    }
  }
  return Status::Ok();
}

Status TokenizeKernel(KernelContext& ctx, const TokenizeParams& p) {
  OPBRIDGE_REQUIRE(!p.return_nbest, "attr 'return_nbest' true (n-best tokenization) is not supported by opbridge");
  text::SentencepieceResource* sp = nullptr;
  OPBRIDGE_RETURN_IF_ERROR(text::InputSentencepiece(ctx, &sp));
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& nbest = ctx.input(kNbestSize);
  const int64_t n = values.num_elements();
  OPBRIDGE_REQUIRE(nbest.rank() <= 1, "input 'nbest_size' must be a scalar or a vector, got shape ",
                   nbest.shape().ToString());
  OPBRIDGE_REQUIRE(nbest.rank() == 0 || nbest.num_elements() >= n, "input 'nbest_size' has ",
                   nbest.num_elements(), " elements for ", n, " input strings");
  text::sp::Options o;
  OPBRIDGE_RETURN_IF_ERROR(ReadBool(ctx.input(kAddBos), "add_bos", &o.add_bos));
  OPBRIDGE_RETURN_IF_ERROR(ReadBool(ctx.input(kAddEos), "add_eos", &o.add_eos));
  OPBRIDGE_RETURN_IF_ERROR(ReadBool(ctx.input(kReverse), "reverse", &o.reverse));
  OPBRIDGE_RETURN_IF_ERROR(text::sp::CheckOptions(sp->model(), o));
  const std::string_view* in = values.data<std::string_view>();
  const int32_t* nb = nbest.data<int32_t>();
  std::vector<std::vector<text::sp::Token>> rows(static_cast<size_t>(n));
  // Lines on the interpreter's threads (the model and normalizer are read
  // only), the first failing line's error as a serial loop would report it.
  // About 3 us a line of text.
  OPBRIDGE_RETURN_IF_ERROR(strings::ParallelEach(ctx, n, 3000, [&](int64_t i) {
    const int32_t size = nb[nbest.rank() == 1 ? i : 0];
    OPBRIDGE_REQUIRE(size == 0 || size == 1, "input 'nbest_size' is ", size,
                     ": sampling (nbest_size other than 0 or 1) is random in TF and not supported by opbridge");
    return text::sp::Encode(sp->model(), sp->normalizer(), in[i], o, &rows[static_cast<size_t>(i)]);
  }));
  uint64_t bytes = 0;
  for (const auto& row : rows) {
    for (const auto& t : row) bytes += t.piece.size();
  }
  if (p.out_type == DType::kString) {
    OPBRIDGE_REQUIRE(bytes < (uint64_t{1} << 30), "output 'output_values': ", bytes,
                     " bytes of pieces exceed a TFLite string tensor");
  }
  if (p.tsplits == DType::kInt32) return WriteOutputs<int32_t>(ctx, p, rows);
  return WriteOutputs<int64_t>(ctx, p, rows);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SentencepieceTokenizeOp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's SentencePiece tokenization (unigram or BPE model, no sampling): "
                              "piece ids or strings of each input string, with row splits.")
                         .Input("sp_handle: resource")
                         .Input("input: string")
                         .Input("nbest_size: int32")
                         .Input("alpha: float")
                         .Input("add_bos: bool")
                         .Input("add_eos: bool")
                         .Input("reverse: bool")
                         .Output("output_values: out_type")
                         .Output("output_splits: Tsplits")
                         .Params<TokenizeParams>()
                         .ShapeRule(TokenizeShape)
                         .Kernel(TokenizeKernel));

}  // namespace opbridge
