// UniqueWithCounts: TF's unique values of a 1-D tensor, in order of first
// occurrence, each element's index into them, and how often each occurs
// (tf.unique_with_counts). The number of unique values is known only at run
// time, so y and count are dynamic outputs.
//
// Equality is TF's hash map's (../array/first_seen.h): NaN != NaN, so every
// NaN is its own value, and -0.0 == 0.0 (the first one seen is kept).
#include <vector>

#include "../array/first_seen.h"
#include "opbridge/op.h"

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

template <typename T, typename Index>
Status Unique(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const int64_t n = x.num_elements();
  OPBRIDGE_REQUIRE(n <= INT32_MAX, "input 'x' has ", n, " elements; unique supports at most 2^31-1, as TF");
  const T* in = x.data<T>();
  Index* idx = ctx.output(1).data<Index>();
  unique::FirstSeen<T, Index> first_seen(n);
  std::vector<T> values;
  for (int64_t i = 0; i < n; ++i) {
    const auto [index, inserted] = first_seen.Insert(in[i], static_cast<Index>(values.size()));
    if (inserted) values.push_back(in[i]);
    idx[i] = index;
  }
  const auto count = static_cast<int64_t>(values.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({count})));
  std::copy(values.begin(), values.end(), ctx.output(0).data<T>());
  Index* counts = ctx.output(2).data<Index>();
  std::fill(counts, counts + count, Index(0));
  for (int64_t i = 0; i < n; ++i) ++counts[idx[i]];
  return Status::Ok();
}

Status UniqueKernel(KernelContext& ctx) {
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(), [&](auto index_tag) {
    using Index = typename decltype(index_tag)::type;
    return Dispatch<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>(
        ctx.input(0).dtype(), [&](auto tag) { return Unique<typename decltype(tag)::type, Index>(ctx); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("UniqueWithCounts")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Unique values of a 1-D tensor in order of first occurrence, the index of each "
                              "element among them, and their counts (tf.unique_with_counts).")
                         .Input("x: T")
                         .Output("y: T")
                         .Output("idx: out_idx")
                         .Output("count: out_idx")
                         .Attr("T: {float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool}")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(UniqueShape)
                         .Kernel(UniqueKernel));

}  // namespace
}  // namespace opbridge
