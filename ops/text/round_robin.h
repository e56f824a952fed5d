// What tensorflow-text's RoundRobinTrimmer kernels share (TFText>RoundRobinTrim,
// TFText>RoundRobinGenerateMasks; tensorflow_text/core/kernels/round_robin_trimmer.h):
// the (max_sequence_length, N values, N row splits) inputs and the per-row
// budget allocation.
//
// TF's signature has two input lists (N * T, N * Tsplits); opbridge's
// authoring API takes one input list per op, so the 2N segment tensors are
// declared as one list (Tin, bound from the node's tensors) that these
// helpers split in halves and check against N, T and Tsplits (the options the
// converter writes).
#ifndef OPBRIDGE_OPS_TEXT_ROUND_ROBIN_H_
#define OPBRIDGE_OPS_TEXT_ROUND_ROBIN_H_

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace text {

struct RoundRobinParams {
  int64_t n = 1;
  DType t = DType::kInt32;
  DType tsplits = DType::kInt64;

  static void Declare(ParamBinder& b, RoundRobinParams& p) {
    b.Attr("N: int >= 1", &p.n);
    b.Attr("T: {string, bool, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64}", &p.t);
    b.Attr("Tsplits: {int32, int64}", &p.tsplits);
  }
};

// Inputs: max_sequence_length, then N values and N row splits. The outputs
// (`outputs` of them) have value-dependent sizes.
inline Status RoundRobinShape(ShapeContext& ctx, const RoundRobinParams& p, int64_t outputs) {
  OPBRIDGE_REQUIRE(ctx.num_inputs() == 1 + 2 * p.n, "expects 1 + 2 * N = ", 1 + 2 * p.n,
                   " inputs (max_sequence_length, N values, N row splits), the node has ", ctx.num_inputs());
  for (int64_t i = 0; i < 2 * p.n; ++i) {
    const DType want = i < p.n ? p.t : p.tsplits;
    const int k = static_cast<int>(1 + i);
    OPBRIDGE_REQUIRE(ctx.input_dtype(k) == want, "input ", k, " must be ", DTypeName(want), ", got ",
                     DTypeName(ctx.input_dtype(k)));
    OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(k, 1));
  }
  for (int64_t i = 0; i < outputs; ++i) ctx.set_output_dynamic(static_cast<int>(i));
  return Status::Ok();
}

// The segments' row splits as int64, checked, and the batch size (the first
// segment's row count). tf-text does not check them (it reads out of bounds
// with bad ones): here a segment's splits must be non-decreasing, within its
// values, and at least as long as the first segment's.
inline Status ReadRoundRobinSplits(const KernelContext& ctx, const RoundRobinParams& p,
                                   std::vector<std::vector<int64_t>>* splits, int64_t* rows) {
  const auto n = static_cast<size_t>(p.n);
  splits->assign(n, {});
  for (size_t s = 0; s < n; ++s) {
    const ConstTensor& t = ctx.input(static_cast<int>(1 + n + s));
    std::vector<int64_t>& v = (*splits)[s];
    v.resize(static_cast<size_t>(t.num_elements()));
    for (size_t k = 0; k < v.size(); ++k) {
      v[k] = t.dtype() == DType::kInt32 ? t.data<int32_t>()[k] : t.data<int64_t>()[k];
    }
  }
  *rows = (*splits)[0].empty() ? 0 : static_cast<int64_t>((*splits)[0].size()) - 1;
  for (size_t s = 0; s < n; ++s) {
    const std::vector<int64_t>& v = (*splits)[s];
    const int64_t count = ctx.input(static_cast<int>(1 + s)).num_elements();
    OPBRIDGE_REQUIRE(*rows == 0 || static_cast<int64_t>(v.size()) >= *rows + 1, "row splits of segment ", s,
                     " have ", v.size(), " entries, fewer than the first segment's ", *rows + 1);
    for (int64_t r = 0; r <= *rows && r < static_cast<int64_t>(v.size()); ++r) {
      const int64_t x = v[static_cast<size_t>(r)];
      OPBRIDGE_REQUIRE(x >= 0 && x <= count && (r == 0 || x >= v[static_cast<size_t>(r - 1)]),
                       "row splits of segment ", s, " must be non-decreasing and within its ", count,
                       " values, got ", x, " at ", r);
    }
  }
  return Status::Ok();
}

inline int32_t RoundRobinBudget(const KernelContext& ctx) { return ctx.input(0).data<int32_t>()[0]; }

// ProcessBatch: how many items of each segment's row are kept. The budget
// max(max_sequence_length, 0) goes first to the segments whose whole row fits
// an equal share of what is left (shortest first), the rest get that share
// each, and what the division leaves goes one item at a time to the segments,
// first to last, that still have items. Segments of equal size are treated
// alike, so the order a sort leaves them in does not matter.
inline void RoundRobinAllocate(int64_t budget, const std::vector<int64_t>& size, std::vector<int64_t>* used) {
  budget = std::max<int64_t>(budget, 0);
  const auto n = static_cast<int64_t>(size.size());
  std::vector<size_t> order(size.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return size[a] < size[b]; });
  used->assign(size.size(), 0);
  int64_t filled = 0;
  for (; filled < n; ++filled) {
    const size_t s = order[static_cast<size_t>(filled)];
    if (size[s] * (n - filled) > budget) break;
    (*used)[s] = size[s];
    budget -= size[s];
  }
  if (filled < n) {
    const int64_t share = budget / (n - filled);
    for (int64_t k = filled; k < n; ++k) (*used)[order[static_cast<size_t>(k)]] = share;
    budget -= share * (n - filled);
  }
  for (size_t s = 0; s < size.size() && budget > 0; ++s) {
    if ((*used)[s] < size[s]) {
      ++(*used)[s];
      --budget;
    }
  }
}

// Kept items per segment and row.
inline Status RoundRobinKept(const KernelContext& ctx, const RoundRobinParams& p,
                             std::vector<std::vector<int64_t>>* splits, int64_t* rows,
                             std::vector<std::vector<int64_t>>* kept) {
  const ConstTensor& msl = ctx.input(0);
  OPBRIDGE_REQUIRE(msl.num_elements() == 1, "input 'max_sequence_length' must be a scalar, got ",
                   msl.num_elements(), " elements");
  OPBRIDGE_RETURN_IF_ERROR(ReadRoundRobinSplits(ctx, p, splits, rows));
  const auto n = static_cast<size_t>(p.n);
  kept->assign(n, std::vector<int64_t>(static_cast<size_t>(*rows)));
  std::vector<int64_t> size(n), used;
  for (int64_t r = 0; r < *rows; ++r) {
    for (size_t s = 0; s < n; ++s) {
      size[s] = (*splits)[s][static_cast<size_t>(r + 1)] - (*splits)[s][static_cast<size_t>(r)];
    }
    RoundRobinAllocate(RoundRobinBudget(ctx), size, &used);
    for (size_t s = 0; s < n; ++s) (*kept)[s][static_cast<size_t>(r)] = used[s];
  }
  return Status::Ok();
}

}  // namespace text
}  // namespace opbridge

#endif  // OPBRIDGE_OPS_TEXT_ROUND_ROBIN_H_
