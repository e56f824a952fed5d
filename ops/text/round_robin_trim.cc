// TFText>RoundRobinTrim: tensorflow-text's RoundRobinTrimmer.trim on rank-2
// ragged segments (keras-hub's MultiSegmentPacker with truncate="round_robin",
// BERT's preprocessor). TF's signature is (max_sequence_length: int32,
// input_values: N * T, input_row_splits: N * Tsplits) -> (values: N * T,
// row_splits: N * Tsplits); the converter writes N, T and Tsplits as options
// (inputs declared as one list: round_robin.h).
//
// Per batch row, each segment keeps the first `used` items of its row, `used`
// from the round-robin allocation (round_robin.h); output row splits start
// at 0 whatever the input's first split.
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "round_robin.h"

namespace opbridge {
namespace {

using text::RoundRobinParams;

Status RoundRobinTrimShape(ShapeContext& ctx, const RoundRobinParams& p) {
  return text::RoundRobinShape(ctx, p, 2 * p.n);
}

Status RoundRobinTrimKernel(KernelContext& ctx, const RoundRobinParams& p) {
  std::vector<std::vector<int64_t>> splits, kept;
  int64_t rows = 0;
  OPBRIDGE_RETURN_IF_ERROR(text::RoundRobinKept(ctx, p, &splits, &rows, &kept));
  const auto n = static_cast<size_t>(p.n);
  const int elem = DTypeSize(p.t);
  for (size_t s = 0; s < n; ++s) {
    const ConstTensor& in = ctx.input(static_cast<int>(1 + s));
    const int64_t total = std::accumulate(kept[s].begin(), kept[s].end(), int64_t{0});
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(s), Shape({total})));
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(n + s), Shape({rows + 1})));
    const Tensor& out = ctx.output(static_cast<int>(s));
    const Tensor& out_splits = ctx.output(static_cast<int>(n + s));
    int64_t at = 0;
    for (int64_t r = 0; r <= rows; ++r) {
      if (p.tsplits == DType::kInt32) out_splits.data<int32_t>()[r] = static_cast<int32_t>(at);
      else out_splits.data<int64_t>()[r] = at;
      if (r == rows) break;
      const int64_t from = splits[s][static_cast<size_t>(r)], len = kept[s][static_cast<size_t>(r)];
      if (p.t == DType::kString) {
        const std::string_view* src = in.data<std::string_view>();
        std::string* dst = out.data<std::string>();
        for (int64_t k = 0; k < len; ++k) dst[at + k].assign(src[from + k].data(), src[from + k].size());
      } else if (len > 0) {
        std::memcpy(out.data<char>() + at * elem, in.data<char>() + from * elem, static_cast<size_t>(len * elem));
      }
      at += len;
    }
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("TFText>RoundRobinTrim")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's RoundRobinTrimmer.trim: N ragged segments trimmed so each batch "
                              "row holds at most max_sequence_length items, the budget shared round robin.")
                         .Input("max_sequence_length: int32")
                         .Input("segments: Tin")
                         .Output("values: N * T")
                         .Output("row_splits: N * Tsplits")
                         .Params<RoundRobinParams>()
                         .Attr("Tin: list(type)")
                         .ShapeRule(RoundRobinTrimShape)
                         .Kernel(RoundRobinTrimKernel));

}  // namespace opbridge
