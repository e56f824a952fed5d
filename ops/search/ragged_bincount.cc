// RaggedBincount: tf.math.bincount of a ragged tensor (rows given by int64
// `splits` over `values`), one histogram per row: Keras TextVectorization and
// CategoryEncoding emit it for multi_hot, count and tf_idf outputs. TFLite has
// no kernel: the converter emits CUSTOM "RaggedBincount" {Tidx, T,
// binary_output}.
//
// output [rows, size], rows = len(splits) - 1: output[r][v] = sum of weights
// (1 without weights) of row r's values equal to v; values >= size are
// ignored; binary_output writes 1. TF's checks and texts: splits non-empty,
// first 0, last = number of values; size a non-negative scalar; values
// non-negative. Rows follow TF's walk over splits (each value goes to the
// last row whose start is <= its index, skipping on while the next start is
// <= it), so non-decreasing splits give the usual rows and malformed ones
// give what TF gives. One difference on purpose: TF reads past the end of
// `weights` when it has fewer elements than `values` (it checks only that it
// is non-empty); opbridge refuses that.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct RaggedBincountParams {
  bool binary_output = false;

  static void Declare(ParamBinder& b, RaggedBincountParams& p) {
    b.Attr("binary_output: bool = false", &p.binary_output);
  }
};

Status RaggedBincountShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 0));
  const int64_t splits = ctx.input(0).rank_known() ? ctx.input(0).dim(0) : kUnknownDim;
  ctx.set_output(0, Shape({splits == kUnknownDim ? kUnknownDim : std::max<int64_t>(splits - 1, 0), kUnknownDim}));
  ctx.set_output_dynamic(0);  // size is a value
  return Status::Ok();
}

// What one value adds to its cell: 1 (binary_output), its weight, or a count.
template <typename T>
struct Cell {
  const T* weights;
  bool binary;
  void Add(T* cell, int64_t i) const {
    if (binary) {
      *cell = T(1);
    } else {
      *cell += weights ? weights[i] : T(1);
    }
  }
};

template <typename Idx, typename T>
Status Count(KernelContext& ctx, const RaggedBincountParams& p) {
  const ConstTensor& splits_t = ctx.input(0);
  const ConstTensor& values_t = ctx.input(1);
  const ConstTensor& size_t_ = ctx.input(2);
  const ConstTensor& weights_t = ctx.input(3);
  OPBRIDGE_REQUIRE(size_t_.rank() == 0, "Shape must be rank 0 but is rank ", size_t_.rank(), " (input 'size')");
  Idx size;  // memcpy: a constant's buffer is only 4-byte aligned
  std::memcpy(&size, size_t_.data<Idx>(), sizeof size);
  OPBRIDGE_REQUIRE(size >= 0, "size (", static_cast<int64_t>(size), ") must be non-negative");
  const int64_t num_splits = splits_t.num_elements();
  OPBRIDGE_REQUIRE(num_splits > 0, "Splits must be non-empty");
  std::vector<int64_t> splits(static_cast<size_t>(num_splits));
  std::memcpy(splits.data(), splits_t.data<int64_t>(), splits.size() * sizeof(int64_t));
  const int64_t rows = num_splits - 1;
  const int64_t n = values_t.num_elements();
  OPBRIDGE_REQUIRE(splits[0] == 0, "Splits must start with 0, not with ", splits[0]);
  OPBRIDGE_REQUIRE(splits[static_cast<size_t>(rows)] == n, "Splits must end with the number of values, got ",
                   splits[static_cast<size_t>(rows)], " instead of ", n);
  const int64_t num_weights = weights_t.num_elements();
  OPBRIDGE_REQUIRE(num_weights == 0 || num_weights >= n, "weights (input 'weights') has ", num_weights,
                   " elements, values has ", n, ": TF would read past the end of weights");
  const auto bins = static_cast<int64_t>(size);
  int64_t cells = 0;
  OPBRIDGE_REQUIRE(!__builtin_mul_overflow(rows, bins, &cells) && cells <= (int64_t{1} << 40),
                   "output [", rows, ", ", bins, "] is too large");
  const Idx* values = values_t.data<Idx>();
  const T* weights = num_weights ? weights_t.data<T>() : nullptr;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({rows, bins})));
  T* out = ctx.output(0).data<T>();
  const Cell<T> cell{weights, p.binary_output};
  if (!std::is_sorted(splits.begin(), splits.end())) {
    // TF's walk, which only ever moves to later rows.
    std::fill(out, out + cells, T(0));
    int64_t row = 0;  // TF's batch_idx: one past the row the value goes to
    for (int64_t i = 0; i < n; ++i) {
      // Ends at row <= rows: splits[rows] == n > i.
      while (i >= splits[static_cast<size_t>(row)]) ++row;
      const Idx bin = values[i];
      OPBRIDGE_REQUIRE(bin >= 0, "Input must be non-negative");
      if (static_cast<int64_t>(bin) < bins) cell.Add(out + (row - 1) * bins + static_cast<int64_t>(bin), i);
    }
    return Status::Ok();
  }
  // Non-decreasing splits (every ragged tensor TF makes): the walk puts values
  // [splits[r], splits[r + 1]) in row r, so blocks of rows are independent and
  // run in parallel, and each row is zeroed just before its values land, while
  // it is in cache (one pass over the output instead of a fill, then a scatter
  // reading it all back). A row's values add in index order, as in the walk.
  std::atomic<bool> negative{false};
  const int64_t per_row = bins + n / std::max<int64_t>(rows, 1);
  ctx.ParallelFor(rows, per_row + 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      T* row = out + r * bins;
      std::fill(row, row + bins, T(0));
      for (int64_t i = splits[static_cast<size_t>(r)]; i < splits[static_cast<size_t>(r) + 1]; ++i) {
        const Idx bin = values[i];
        if (bin < 0) {
          negative.store(true, std::memory_order_relaxed);
          return;
        }
        if (static_cast<int64_t>(bin) < bins) cell.Add(row + static_cast<int64_t>(bin), i);
      }
    }
  });
  OPBRIDGE_REQUIRE(!negative.load(), "Input must be non-negative");
  return Status::Ok();
}

Status RaggedBincountKernel(KernelContext& ctx, const RaggedBincountParams& p) {
  return Dispatch<int32_t, int64_t>(ctx.input(1).dtype(), [&](auto idx_tag) {
    using Idx = typename decltype(idx_tag)::type;
    return Dispatch<int32_t, int64_t, float, double>(
        ctx.input(3).dtype(), [&](auto tag) { return Count<Idx, typename decltype(tag)::type>(ctx, p); });
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("RaggedBincount")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Per-row counts (or weight sums) of a ragged tensor's non-negative integer values "
                              "in [0, size); binary_output marks presence (tf.math.bincount on ragged input).")
                         .Input("splits: int64")
                         .Input("values: Tidx")
                         .Input("size: Tidx")
                         .Input("weights: T")
                         .Output("output: T")
                         .Attr("Tidx: {int32, int64}")
                         .Attr("T: {int32, int64, float, double}")
                         .Params<RaggedBincountParams>()
                         .ShapeRule(RaggedBincountShape)
                         .Kernel(RaggedBincountKernel));

}  // namespace opbridge
