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
#include <cstring>
#include <string_view>
#include <type_traits>
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

// T: the key type of first_seen.h; In: the elements of x and y (uint16_t for
// half and bfloat16, read as their bits; string views for strings, and y's
// views point into x, which outlives the call).
template <typename T, typename Index, typename In>
Status Unique(KernelContext& ctx, const In* x) {
  const int64_t n = ctx.input(0).num_elements();
  OPBRIDGE_REQUIRE(n <= INT32_MAX, "input 'x' has ", n, " elements; unique supports at most 2^31-1, as TF");
  Index* idx = ctx.output(1).data<Index>();
  unique::FirstSeen<T, Index> first_seen(n);
  std::vector<int64_t> first;  // x's position of each unique value
  for (int64_t i = 0; i < n; ++i) {
    T v;
    if constexpr (std::is_same_v<T, In>) {
      v = x[i];
    } else {
      std::memcpy(&v, &x[i], sizeof v);
    }
    const auto [index, inserted] = first_seen.Insert(v, static_cast<Index>(first.size()));
    if (inserted) first.push_back(i);
    idx[i] = index;
  }
  const auto count = static_cast<int64_t>(first.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({count})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({count})));
  In* y = ctx.output(0).data<In>();
  for (int64_t j = 0; j < count; ++j) y[j] = x[first[static_cast<size_t>(j)]];
  Index* counts = ctx.output(2).data<Index>();
  std::fill(counts, counts + count, Index(0));
  for (int64_t i = 0; i < n; ++i) ++counts[idx[i]];
  return Status::Ok();
}

template <typename Index>
Status UniqueIndex(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  switch (x.dtype()) {
    case DType::kString:
      return Unique<std::string_view, Index>(ctx, x.data<std::string_view>());
    case DType::kFloat16:
      return Unique<unique::Float16<10>, Index>(ctx, x.data<uint16_t>());
    case DType::kBFloat16:
      return Unique<unique::Float16<7>, Index>(ctx, x.data<uint16_t>());
    default:
      return Dispatch<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>(
          x.dtype(), [&](auto tag) {
            using T = typename decltype(tag)::type;
            return Unique<T, Index>(ctx, x.data<T>());
          });
  }
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
