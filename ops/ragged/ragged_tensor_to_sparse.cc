// RaggedTensorToSparse: TF's RaggedTensor.to_sparse() (also what
// tf.sparse ops on ragged input start with). Inputs: RAGGED_RANK row-splits
// tensors, then the flat values; outputs the SparseTensor's indices (int64
// [n, rank]), values (flattened) and dense_shape (int64 [rank]).
//
// Semantics follow TF's ragged_tensor_to_sparse_kernel.cc:
// - Checks in TF's order and words: each splits tensor non-empty, starting at
//   0, non-decreasing; each inner one as long as the previous level's last
//   split + 1; the last split equal to the number of value rows.
// - Indices list every value element in order: its row at each ragged level,
//   its position in the innermost row, then its position in values' inner
//   dims (row-major). dense_shape is [rows, widest row per level, inner dims].
// - Values of any dtype, strings included, come out flattened.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "index_values.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using ragged::ReadInts;

struct ToSparseParams {
  int64_t ragged_rank = 1;

  static void Declare(ParamBinder& b, ToSparseParams& p) { b.Attr("RAGGED_RANK: int >= 1", &p.ragged_rank); }
};

Status ToSparseShape(ShapeContext& ctx, const ToSparseParams& p) {
  const int rr = static_cast<int>(p.ragged_rank);
  OPBRIDGE_REQUIRE(ctx.num_inputs() == rr + 1, "expected ", rr + 1, " inputs (", rr,
                   " rt_nested_splits and rt_dense_values), got ", ctx.num_inputs());
  for (int i = 0; i < rr; ++i) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(i, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(rr, 1));
  const Shape& values = ctx.input(rr);
  const int64_t rank = values.rank_known() ? rr + values.rank() : kUnknownDim;
  ctx.set_output(0, Shape({kUnknownDim, rank}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape({kUnknownDim}));
  ctx.set_output_dynamic(1);
  ctx.set_output(2, Shape({rank}));
  if (rank < 0) ctx.set_output_dynamic(2);
  return Status::Ok();
}

Status ToSparseKernel(KernelContext& ctx, const ToSparseParams& p) {
  const int rr = static_cast<int>(p.ragged_rank);
  const ConstTensor& values = ctx.input(rr);
  std::vector<std::vector<int64_t>> splits(static_cast<size_t>(rr));
  for (int i = 0; i < rr; ++i) {
    const ConstTensor& t = ctx.input(i);
    OPBRIDGE_REQUIRE(t.dtype() == ctx.input(0).dtype() && (t.dtype() == DType::kInt32 || t.dtype() == DType::kInt64),
                     "rt_nested_splits must all be int32 or all int64 (input '", t.name(), "' is ",
                     DTypeName(t.dtype()), ")");
    splits[static_cast<size_t>(i)] = ReadInts(t);
  }
  OPBRIDGE_REQUIRE(values.rank() >= 1, "rt_dense_values must have rank >= 1, got a scalar");
  // TF's ValidateInputs.
  const char* kLength = "Final value of ragged splits must match the length the corresponding ragged values.";
  for (size_t i = 0; i < splits.size(); ++i) {
    const std::vector<int64_t>& s = splits[i];
    OPBRIDGE_REQUIRE(!s.empty(), "ragged splits may not be empty.");
    OPBRIDGE_REQUIRE(s[0] == 0, "First value of ragged splits must be 0.");
    for (size_t j = 1; j < s.size(); ++j) {
      OPBRIDGE_REQUIRE(s[j] >= s[j - 1], "Ragged splits should be non decreasing, but we got ", s[j - 1],
                       " followed by ", s[j]);
    }
    if (i > 0) OPBRIDGE_REQUIRE(static_cast<int64_t>(s.size()) == splits[i - 1].back() + 1, kLength);
  }
  const int64_t nrows = values.dim(0);
  OPBRIDGE_REQUIRE(nrows == splits.back().back(), kLength);

  const int64_t inner = nrows == 0 ? 0 : values.num_elements() / nrows;
  const int rank = rr + values.rank();
  const int64_t count = values.num_elements();
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({count, rank})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({count})));
  if (!ctx.output(2).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({rank})));
  // parent[d][j]: the row of splits[d] that element j of the next level is in.
  std::vector<std::vector<int64_t>> parent(static_cast<size_t>(rr));
  for (int d = 0; d < rr; ++d) {
    const std::vector<int64_t>& s = splits[static_cast<size_t>(d)];
    std::vector<int64_t>& up = parent[static_cast<size_t>(d)];
    up.resize(static_cast<size_t>(s.back()));
    for (size_t r = 0; r + 1 < s.size(); ++r) {
      for (int64_t j = s[r]; j < s[r + 1]; ++j) up[static_cast<size_t>(j)] = static_cast<int64_t>(r);
    }
  }
  int64_t* indices = ctx.output(0).data<int64_t>();
  std::vector<int64_t> ragged(static_cast<size_t>(rr + 1));
  std::vector<int64_t> suffix(static_cast<size_t>(values.rank() - 1));
  for (int64_t v = 0; v < nrows; ++v) {
    // The value row's position at each level, innermost first.
    int64_t element = v;
    for (int d = rr - 1; d >= 0; --d) {
      const int64_t row = parent[static_cast<size_t>(d)][static_cast<size_t>(element)];
      ragged[static_cast<size_t>(d + 1)] = element - splits[static_cast<size_t>(d)][static_cast<size_t>(row)];
      element = row;
    }
    ragged[0] = element;
    std::fill(suffix.begin(), suffix.end(), 0);
    for (int64_t e = 0; e < inner; ++e) {
      int64_t* out = indices + (v * inner + e) * rank;
      for (int d = 0; d <= rr; ++d) out[d] = ragged[static_cast<size_t>(d)];
      for (size_t k = 0; k < suffix.size(); ++k) out[static_cast<size_t>(rr + 1) + k] = suffix[k];
      for (int k = static_cast<int>(suffix.size()) - 1; k >= 0; --k) {  // the next inner position, row-major
        if (++suffix[static_cast<size_t>(k)] < values.dim(k + 1)) break;
        suffix[static_cast<size_t>(k)] = 0;
      }
    }
  }
  if (values.dtype() == DType::kString) {
    const std::string_view* in = values.data<std::string_view>();
    std::string* out = ctx.output(1).data<std::string>();
    for (int64_t i = 0; i < count; ++i) out[i].assign(in[i].data(), in[i].size());
  } else {
    const int64_t bytes = DTypeSize(values.dtype());
    OPBRIDGE_REQUIRE(bytes > 0, "rt_dense_values has unsupported dtype ", DTypeName(values.dtype()));
    if (count) std::memcpy(ctx.output(1).data<char>(), values.data<char>(), static_cast<size_t>(count * bytes));
  }
  int64_t* dense_shape = ctx.output(2).data<int64_t>();
  dense_shape[0] = static_cast<int64_t>(splits[0].size()) - 1;
  for (int d = 0; d < rr; ++d) {
    const std::vector<int64_t>& s = splits[static_cast<size_t>(d)];
    int64_t width = 0;
    for (size_t i = 1; i < s.size(); ++i) width = std::max(width, s[i] - s[i - 1]);
    dense_shape[d + 1] = width;
  }
  for (int d = 1; d < values.rank(); ++d) dense_shape[rr + d] = values.dim(d);
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("RaggedTensorToSparse")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A ragged tensor as a SparseTensor (RaggedTensor.to_sparse).")
                         .Input("rt_nested_splits: RAGGED_RANK * Tsplits")
                         .Input("rt_dense_values: T")
                         .Output("sparse_indices: int64")
                         .Output("sparse_values: T")
                         .Output("sparse_dense_shape: int64")
                         .Params<ToSparseParams>()
                         .Attr("T: type")
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(ToSparseShape)
                         .Kernel(ToSparseKernel));

}  // namespace
}  // namespace opbridge
