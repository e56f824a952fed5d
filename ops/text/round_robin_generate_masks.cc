// TFText>RoundRobinGenerateMasks: tensorflow-text's RoundRobinTrimmer
// .generate_mask (and .trim on segments that are not rank-2 ragged). Same
// inputs and options as TFText>RoundRobinTrim (round_robin.h); outputs N bool
// masks, one entry per item of the segment's rows: true for the first `used`
// items of each row, false for the rest. The values are not read (tf-text
// reads only the row splits); the splits are checked against the values'
// lengths all the same, which bounds the masks a bad model can make us
// allocate.
#include <cstdint>
#include <vector>

#include "opbridge/op.h"
#include "round_robin.h"

namespace opbridge {
namespace {

using text::RoundRobinParams;

Status RoundRobinMasksShape(ShapeContext& ctx, const RoundRobinParams& p) {
  return text::RoundRobinShape(ctx, p, p.n);
}

Status RoundRobinMasksKernel(KernelContext& ctx, const RoundRobinParams& p) {
  std::vector<std::vector<int64_t>> splits, kept;
  int64_t rows = 0;
  OPBRIDGE_RETURN_IF_ERROR(text::RoundRobinKept(ctx, p, &splits, &rows, &kept));
  for (size_t s = 0; s < static_cast<size_t>(p.n); ++s) {
    const int64_t total = rows > 0 ? splits[s][static_cast<size_t>(rows)] - splits[s][0] : 0;
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(s), Shape({total})));
    bool* mask = ctx.output(static_cast<int>(s)).data<bool>();
    int64_t at = 0;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t size = splits[s][static_cast<size_t>(r + 1)] - splits[s][static_cast<size_t>(r)];
      const int64_t used = kept[s][static_cast<size_t>(r)];
      for (int64_t k = 0; k < size; ++k) mask[at++] = k < used;
    }
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("TFText>RoundRobinGenerateMasks")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("tensorflow-text's RoundRobinTrimmer.generate_mask: for N ragged segments, which "
                              "items each batch row keeps under a max_sequence_length budget shared round robin.")
                         .Input("max_sequence_length: int32")
                         .Input("segments: Tin")
                         .Output("masks: N * bool")
                         .Params<RoundRobinParams>()
                         .Attr("Tin: list(type)")
                         .ShapeRule(RoundRobinMasksShape)
                         .Kernel(RoundRobinMasksKernel));

}  // namespace opbridge
