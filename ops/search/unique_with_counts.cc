// UniqueWithCounts: TF's unique values of a 1-D tensor, in order of first
// occurrence, each element's index into them, and how often each occurs
// (tf.unique_with_counts). The number of unique values is known only at run
// time, so y and count are dynamic outputs.
//
// Equality is TF's hash map's (../array/first_seen.h): NaN != NaN, so every
// NaN is its own value; -0.0 == 0.0 for float and double (the first one seen
// is kept), while half and bfloat16, hashed by their bits in TF, keep -0 and
// +0 apart; strings compare bytes.
#include <algorithm>
#include <vector>

#include "../array/unique_axis.h"

namespace opbridge {
namespace {

Status UniqueShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 1));
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, ctx.input(0).rank_known() ? ctx.input(0) : Shape({kUnknownDim}));
  ctx.set_output(2, Shape({kUnknownDim}));
  ctx.set_output_dynamic(2);
  return Status::Ok();
}

// The kernel is UniqueWithCountsV2's single-element path
// (../array/unique_axis.h): x as [1, n, 1].
template <typename Index>
Status UniqueIndex(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const int64_t n = x.num_elements();
  OPBRIDGE_REQUIRE(n <= INT32_MAX, "input 'x' has ", n, " elements; unique supports at most 2^31-1, as TF");
  Index* idx = ctx.output(1).data<Index>();
  return unique::DispatchUnique(x.dtype(), [&](auto key_tag, auto in_tag) {
    using T = typename decltype(key_tag)::type;
    using In = typename decltype(in_tag)::type;
    const In* in = x.data<In>();
    const std::vector<int64_t> first = unique::UniqueSlices<T, Index>(in, 1, n, 1, idx);
    const auto count = static_cast<int64_t>(first.size());
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({count})));
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({count})));
    unique::CopySlices(in, 1, n, 1, first, ctx.output(0).data<In>());
    Index* counts = ctx.output(2).data<Index>();
    std::fill(counts, counts + count, Index(0));
    for (int64_t i = 0; i < n; ++i) ++counts[idx[i]];
    return Status::Ok();
  });
}

Status UniqueKernel(KernelContext& ctx) {
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(),
                                    [&](auto tag) { return UniqueIndex<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("UniqueWithCounts")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Unique values of a 1-D tensor in order of first occurrence, the index of each "
                              "element among them, and their counts (tf.unique_with_counts).")
                         .Input("x: T")
                         .Output("y: T")
                         .Output("idx: out_idx")
                         .Output("count: out_idx")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, string}")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(UniqueShape)
                         .Kernel(UniqueKernel));

}  // namespace
}  // namespace opbridge
