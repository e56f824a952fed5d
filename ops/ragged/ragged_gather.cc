// RaggedGather: TF's tf.gather on a RaggedTensor (params split by
// PARAMS_RAGGED_RANK row-splits tensors, then its flat values; indices of any
// rank). keras-hub's StartEndPacker and MultiSegmentPacker emit it, on int and
// string values. Outputs OUTPUT_RAGGED_RANK = indices.rank - 1 +
// PARAMS_RAGGED_RANK splits tensors, then the gathered values.
//
// Semantics follow TF's ragged_gather_op.cc:
// - indices must lie in [0, nrows) with nrows = len(splits[0]) - 1, checked
//   first ("indices[i] = v is not in [0, n)").
// - Each splits tensor must be non-empty, start >= 0, end at most the next
//   level's length (the last: values' rows), and be sorted. Splits need not
//   start at 0: the output splits always do, shifted by each row's start.
// - The leading output splits are uniform, from indices' own dims.
// - Values keep their inner dims; every dtype TF registers (all fixed-size
//   ones and string).
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index_values.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using ragged::ReadInts;

struct RaggedGatherParams {
  int64_t params_ragged_rank = 1;
  int64_t output_ragged_rank = 0;

  static void Declare(ParamBinder& b, RaggedGatherParams& p) {
    b.Attr("PARAMS_RAGGED_RANK: int >= 1", &p.params_ragged_rank);
    b.Attr("OUTPUT_RAGGED_RANK: int >= 0", &p.output_ragged_rank);
  }
};

// TF's shape function: splits are vectors, values have rank >= 1, and
// indices' rank is OUTPUT_RAGGED_RANK - PARAMS_RAGGED_RANK + 1.
Status GatherShape(ShapeContext& ctx, const RaggedGatherParams& p) {
  const int prr = static_cast<int>(p.params_ragged_rank);
  OPBRIDGE_REQUIRE(ctx.num_inputs() == prr + 2, "expected ", prr + 2, " inputs (", prr,
                   " params_nested_splits, params_dense_values, indices), got ", ctx.num_inputs());
  const int64_t indices_rank = p.output_ragged_rank - p.params_ragged_rank + 1;
  OPBRIDGE_REQUIRE(indices_rank >= 0, "OUTPUT_RAGGED_RANK (", p.output_ragged_rank,
                   ") must be at least PARAMS_RAGGED_RANK - 1 (", p.params_ragged_rank - 1, ")");
  const Shape& indices = ctx.input(prr + 1);
  OPBRIDGE_REQUIRE(!indices.rank_known() || indices.rank() == indices_rank, "Shape must be rank ", indices_rank,
                   " but is rank ", indices.rank(),
                   " for input 'indices' (OUTPUT_RAGGED_RANK - PARAMS_RAGGED_RANK + 1)");
  for (int i = 0; i < prr; ++i) OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(i, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(prr, 1));
  const int out = static_cast<int>(p.output_ragged_rank);
  for (int i = 0; i < out; ++i) {
    ctx.set_output(i, Shape({kUnknownDim}));
    ctx.set_output_dynamic(i);
  }
  const Shape& values = ctx.input(prr);
  if (values.rank_known()) {
    std::vector<int64_t> dims = values.dims();
    dims[0] = kUnknownDim;
    ctx.set_output(out, Shape(dims));
  } else {
    ctx.set_output(out, Shape::UnknownRank());
  }
  ctx.set_output_dynamic(out);
  return Status::Ok();
}

// "[i]" or "[i,j]": TF's SliceDebugString of flat index `i` in `shape`.
std::string IndexText(const Shape& shape, int64_t i) {
  if (shape.rank() == 0) return "";  // a scalar index: "indices = 3 ..."
  std::string out;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const int64_t n = shape.dim(d);
    out = std::to_string(n ? i % n : 0) + (out.empty() ? "" : ",") + out;
    i = n ? i / n : 0;
  }
  return "[" + out + "]";
}

template <typename S>
void WriteSplits(const std::vector<int64_t>& v, S* out) {
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<S>(v[i]);
}

Status GatherKernel(KernelContext& ctx, const RaggedGatherParams& p) {
  const int prr = static_cast<int>(p.params_ragged_rank);
  const int nout = static_cast<int>(p.output_ragged_rank);
  const ConstTensor& values = ctx.input(prr);
  const ConstTensor& indices_in = ctx.input(prr + 1);
  const DType split_type = ctx.input(0).dtype();
  for (int i = 0; i < prr; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).dtype() == split_type && (split_type == DType::kInt32 || split_type == DType::kInt64),
                     "params_nested_splits must all be int32 or all int64 (input '", ctx.input(i).name(), "' is ",
                     DTypeName(ctx.input(i).dtype()), ")");
  }
  OPBRIDGE_REQUIRE(indices_in.dtype() == DType::kInt32 || indices_in.dtype() == DType::kInt64,
                   "indices must be int32 or int64, got ", DTypeName(indices_in.dtype()));
  OPBRIDGE_REQUIRE(ctx.num_outputs() == nout + 1, "expected ", nout + 1, " outputs, got ", ctx.num_outputs());
  OPBRIDGE_REQUIRE(indices_in.rank() - 1 + prr == nout, "OUTPUT_RAGGED_RANK (", nout,
                   ") must equal indices.rank - 1 + PARAMS_RAGGED_RANK (", indices_in.rank() - 1 + prr, ")");

  std::vector<std::vector<int64_t>> splits(static_cast<size_t>(prr));
  for (int i = 0; i < prr; ++i) splits[static_cast<size_t>(i)] = ReadInts(ctx.input(i));
  const std::vector<int64_t> indices = ReadInts(indices_in);
  const int64_t nparams = static_cast<int64_t>(splits[0].size()) - 1;
  for (size_t i = 0; i < indices.size(); ++i) {
    OPBRIDGE_REQUIRE(indices[i] >= 0 && indices[i] < nparams, "indices",
                     IndexText(indices_in.shape(), static_cast<int64_t>(i)), " = ", indices[i], " is not in [0, ",
                     nparams, ")");
  }
  OPBRIDGE_REQUIRE(values.rank() > 0, "params.rank must be nonzero");
  const int64_t nvalues = values.dim(0);
  for (size_t d = 0; d < splits.size(); ++d) {
    const std::vector<int64_t>& s = splits[d];
    // TF bounds an inner level by the next splits' length, one more than its
    // rows, and then reads past them; the rows are the bound here.
    const int64_t last = d + 1 == splits.size() ? nvalues : static_cast<int64_t>(splits[d + 1].size()) - 1;
    OPBRIDGE_REQUIRE(!s.empty(), "Ragged splits may not be empty");
    OPBRIDGE_REQUIRE(s[0] >= 0, "Ragged splits must be non-negative");
    OPBRIDGE_REQUIRE(s.back() <= last, "Ragged splits must not point past values");
    for (size_t i = 1; i < s.size(); ++i) OPBRIDGE_REQUIRE(s[i - 1] <= s[i], "Ragged splits must be sorted");
  }

  // Output splits: first the uniform ones of indices' outer dims, then the
  // gathered rows' lengths level by level. A level's new entries are bounded
  // by the level's length, so `limit` caps what repeated indices can ask for.
  const int64_t limit = int64_t{1} << 31;
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(nout), std::vector<int64_t>{0});
  int64_t nrows = 1;
  for (int d = 0; d + 1 < indices_in.rank(); ++d) {
    nrows *= indices_in.dim(d);
    const int64_t row_length = indices_in.dim(d + 1);
    for (int64_t i = 1; i <= nrows; ++i) out[static_cast<size_t>(d)].push_back(i * row_length);
  }
  std::vector<std::pair<int64_t, int64_t>> slices;
  int64_t nout_values = 0;
  for (const int64_t index : indices) {
    int64_t start = index, end = index + 1;
    for (int d = 0; d < prr; ++d) {
      const std::vector<int64_t>& s = splits[static_cast<size_t>(d)];
      const int od = d + indices_in.rank() - 1;
      if (od >= 0) {
        std::vector<int64_t>& o = out[static_cast<size_t>(od)];
        OPBRIDGE_REQUIRE(static_cast<int64_t>(o.size()) + (end - start) <= limit, "output_nested_splits[", od,
                         "] would hold more than ", limit, " entries");
        const int64_t delta = o.back() - s[static_cast<size_t>(start)];
        for (int64_t j = start; j < end; ++j) o.push_back(s[static_cast<size_t>(j + 1)] + delta);
      }
      start = s[static_cast<size_t>(start)];
      end = s[static_cast<size_t>(end)];
    }
    if (end != start) {
      slices.emplace_back(start, end);
      nout_values += end - start;
      OPBRIDGE_REQUIRE(nout_values <= limit, "output_dense_values would hold more than ", limit, " rows");
    }
  }

  for (int i = 0; i < nout; ++i) {
    const std::vector<int64_t>& o = out[static_cast<size_t>(i)];
    if (split_type == DType::kInt32) {
      for (const int64_t v : o) {
        OPBRIDGE_REQUIRE(v <= INT32_MAX, "output_nested_splits[", i, "] value ", v, " does not fit int32");
      }
    }
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(i, Shape({static_cast<int64_t>(o.size())})));
    if (split_type == DType::kInt32) {
      WriteSplits(o, ctx.output(i).data<int32_t>());
    } else {
      WriteSplits(o, ctx.output(i).data<int64_t>());
    }
  }
  std::vector<int64_t> dims = values.shape().dims();
  dims[0] = nout_values;
  const int64_t row = nvalues == 0 ? 0 : values.num_elements() / nvalues;
  OPBRIDGE_REQUIRE(row == 0 || nout_values <= (int64_t{1} << 40) / row, "output_dense_values would hold ",
                   nout_values, " x ", row, " elements");
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(nout, Shape(dims)));
  const Tensor& output = ctx.output(nout);
  int64_t at = 0;
  if (values.dtype() == DType::kString) {
    const std::string_view* in = values.data<std::string_view>();
    std::string* dst = output.data<std::string>();
    for (const auto& [s, e] : slices) {
      for (int64_t k = s * row; k < e * row; ++k) dst[at++].assign(in[k].data(), in[k].size());
    }
    return Status::Ok();
  }
  const int64_t bytes = DTypeSize(values.dtype());
  OPBRIDGE_REQUIRE(bytes > 0, "params_dense_values has unsupported dtype ", DTypeName(values.dtype()));
  const char* src = values.data<char>();
  char* dst = output.data<char>();
  for (const auto& [s, e] : slices) {
    const size_t n = static_cast<size_t>((e - s) * row * bytes);
    if (n) std::memcpy(dst + at, src + s * row * bytes, n);
    at += static_cast<int64_t>(n);
  }
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("RaggedGather")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gathers rows of a ragged tensor (tf.gather on a RaggedTensor).")
                         .Input("params_nested_splits: PARAMS_RAGGED_RANK * Tsplits")
                         .Input("params_dense_values: Tvalues")
                         .Input("indices: Tindices")
                         .Output("output_nested_splits: OUTPUT_RAGGED_RANK * Tsplits")
                         .Output("output_dense_values: Tvalues")
                         .Attr("Tvalues: type")
                         .Attr("Tindices: {int32, int64}")
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .Params<RaggedGatherParams>()
                         .ShapeRule(GatherShape)
                         .Kernel(GatherKernel));

}  // namespace
}  // namespace opbridge
