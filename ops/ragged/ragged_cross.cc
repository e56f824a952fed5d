// RaggedCross: tf.ragged.cross and tf.ragged.cross_hashed, the cartesian
// crosses of each batch row's features over ragged, sparse and dense inputs
// (all rank 2), as a ragged tensor (values, row_splits). TFLite has no kernel.
//
// As TF's ragged_cross_op.cc:
// - The features are the inputs in `input_order` ('R' ragged, 'S' sparse,
//   'D' dense, each list read in turn). A row's crosses run over the features'
//   combinations, the last feature fastest; a row with a feature count of 0
//   has none.
// - A sparse input's row b holds the entries counted while their row index is
//   <= b (TF's walk: entries with negative or out-of-order rows fall into the
//   row where the walk reaches them; the second index column is never read).
// - String output: the features joined by "_X_", int64 in decimal.
//   int64 output: FingerprintCat64 from hash_key over each feature's
//   Fingerprint64 (strings) or value (int64, as is), then modulo num_buckets
//   (or INT64_MAX when 0). The output dtype decides, as in TF's kernel.
// - TF's checks and texts (ValidateInput, RaggedTensorVerifySplits).
// The plan, crossing order, string joining and bucketing are SparseCross's
// (../strings/sparse_cross.h), with its output caps.
//
// Inputs: TF's six input lists (ragged_values, ragged_row_splits,
// sparse_indices, sparse_values, sparse_shape, dense_inputs) reach the TFLite
// node as consecutive tensors, and the converter keeps only Nsparse of their
// lengths (it drops the list(type) attrs): the ragged and dense counts are
// input_order's 'R's and 'D's. The adapter splits several input lists only
// by length attrs, so the op declares one list, `inputs`, with all the
// tensors in TF's order, and the kernel splits it by input_order.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../strings/sparse_cross.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using sparse_cross::Column;
using sparse_cross::Plan;

struct RaggedCrossParams {
  int64_t nsparse = 0;
  std::string input_order;
  bool hashed_output = false;
  int64_t num_buckets = 0;
  int64_t hash_key = 0;

  static void Declare(ParamBinder& b, RaggedCrossParams& p) {
    b.Attr("Nsparse: int >= 0", &p.nsparse);
    b.Attr("input_order: string", &p.input_order);
    b.Attr("hashed_output: bool", &p.hashed_output);
    b.Attr("num_buckets: int >= 0", &p.num_buckets);
    b.Attr("hash_key: int", &p.hash_key);
  }

  int64_t Count(char c) const {
    int64_t n = 0;
    for (const char x : input_order) n += x == c;
    return n;
  }

  Status Validate() const {
    for (const char c : input_order) OPBRIDGE_REQUIRE(c == 'R' || c == 'S' || c == 'D', "Unexpected input_order value.");
    OPBRIDGE_REQUIRE(Count('S') == nsparse, "Invalid length for input_order");
    return Status::Ok();
  }
};

Status RaggedCrossShape(ShapeContext& ctx, const RaggedCrossParams&) {
  ctx.set_output_dynamic(0);
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

// Element i of an int32 or int64 tensor.
int64_t IntAt(const ConstTensor& t, int64_t i) {
  if (t.dtype() == DType::kInt32) return t.data<int32_t>()[i];
  return sparse_cross::LoadInt64(t.data<void>(), i);
}

// TF's RaggedTensorVerifySplits (the rank is checked before).
Status VerifySplits(const ConstTensor& splits, int64_t num_values) {
  OPBRIDGE_REQUIRE(splits.dtype() == DType::kInt32 || splits.dtype() == DType::kInt64,
                   "input ragged_row_splits must be int32 or int64, got ", DTypeName(splits.dtype()));
  const int64_t n = splits.dim(0);
  OPBRIDGE_REQUIRE(n >= 1, "Invalid ragged splits: ragged splits must have at least one splits, but is empty");
  OPBRIDGE_REQUIRE(IntAt(splits, 0) == 0, "Invalid ragged splits: first element of ragged splits  must be 0 but is ",
                   IntAt(splits, 0));
  int64_t last = 0;
  for (int64_t j = 1; j < n; ++j) {
    const int64_t split = IntAt(splits, j);
    OPBRIDGE_REQUIRE(split >= last, "Invalid ragged splits: ragged splits must be monotonically increasing, but "
                     "ragged_splits[", j, "]=", split, " is smaller than row_splits[", j - 1, "]=", last);
    last = split;
  }
  OPBRIDGE_REQUIRE(last == num_values, "Invalid ragged splits: last element of ragged splits must be the number of "
                   "ragged values(", num_values, ") but is ", last);
  return Status::Ok();
}

// One feature input, as TF's FeatureReaders see it: row b's features are
// elements [start, start + count) of its values. Rows are visited once each,
// in order (Row), so a sparse input keeps TF's walk as a cursor rather than
// TF's per-row splits (a hostile sparse_shape's batch size costs no memory).
struct Feature {
  char kind = 'D';
  const ConstTensor* splits = nullptr;   // ragged
  const ConstTensor* indices = nullptr;  // sparse
  int64_t num_values = 0;                // sparse
  int64_t walked = 0;                    // sparse: entries TF's walk has counted
  int64_t width = 0;                     // dense

  void Row(int64_t b, int64_t* start, int64_t* count) {
    if (kind == 'R') {
      *start = IntAt(*splits, b);
      *count = IntAt(*splits, b + 1) - *start;
    } else if (kind == 'S') {
      *start = walked;
      while (walked < num_values && sparse_cross::LoadInt64(indices->data<void>(), walked * indices->dim(1)) <= b) {
        ++walked;
      }
      *count = walked - *start;
    } else {
      *start = b * width;
      *count = width;
    }
  }
};

Status CheckFeatureDType(const ConstTensor& values, size_t input) {
  OPBRIDGE_REQUIRE(values.dtype() == DType::kInt64 || values.dtype() == DType::kString, "Unexpected dtype for input ",
                   input, ": ", DTypeName(values.dtype()));
  return Status::Ok();
}

Status RaggedCrossKernel(KernelContext& ctx, const RaggedCrossParams& p) {
  const int64_t r = p.Count('R'), s = p.nsparse, d = p.Count('D');
  OPBRIDGE_REQUIRE(ctx.num_inputs() == 2 * r + 3 * s + d, "the node has ", ctx.num_inputs(), " inputs, but input_order \"",
                   p.input_order, "\" and Nsparse = ", s, " need ", 2 * r + 3 * s + d);
  auto in = [&](int64_t k) -> const ConstTensor& { return ctx.input(static_cast<int>(k)); };
  const int64_t rv = 0, rs = r, si = 2 * r, sv = 2 * r + s, ss = 2 * r + 2 * s, dn = 2 * r + 3 * s;
  constexpr const char* kRank2 = "tf.ragged.cross only supports inputs with rank=2.";
  const char* kBatch = "inputs must all have the same batch dimension size.";
  // TF's ValidateInput, in its order.
  for (int64_t i = 0; i < r; ++i) {
    OPBRIDGE_REQUIRE(in(rv + i).rank() == 1 && in(rs + i).rank() == 1, kRank2);
    OPBRIDGE_RETURN_IF_ERROR(VerifySplits(in(rs + i), in(rv + i).num_elements()));
  }
  for (int64_t i = 0; i < s; ++i) {
    OPBRIDGE_REQUIRE(in(si + i).rank() == 2 && in(sv + i).rank() == 1 && in(ss + i).rank() == 1,
                     "Invalid SparseTensor ", i);
    OPBRIDGE_REQUIRE(in(ss + i).num_elements() == 2, kRank2);
    // Types TF's op signature enforces; here one list holds every input.
    OPBRIDGE_REQUIRE(in(si + i).dtype() == DType::kInt64 && in(ss + i).dtype() == DType::kInt64,
                     "input sparse_indices and sparse_shape ", i, " must be int64");
    // TF's walk reads the indices' first column for each value (unchecked
    // there): a shorter indices matrix would be read past its end.
    OPBRIDGE_REQUIRE(in(sv + i).dim(0) == 0 || (in(si + i).dim(0) >= in(sv + i).dim(0) && in(si + i).dim(1) >= 1),
                     "input sparse_indices ", i, " has shape ", in(si + i).shape().ToString(), " for ",
                     in(sv + i).dim(0), " values");
  }
  for (int64_t j = 0; j < d; ++j) OPBRIDGE_REQUIRE(in(dn + j).rank() == 2, kRank2);
  int64_t batch = 0;
  if (r > 0) {
    batch = in(rs).num_elements() - 1;
  } else if (d > 0) {
    batch = in(dn).dim(0);
  } else if (s > 0) {
    batch = sparse_cross::LoadInt64(in(ss).data<void>(), 0);
  }
  for (int64_t i = 0; i < r; ++i) OPBRIDGE_REQUIRE(in(rs + i).num_elements() - 1 == batch, kBatch);
  for (int64_t i = 0; i < s; ++i) OPBRIDGE_REQUIRE(sparse_cross::LoadInt64(in(ss + i).data<void>(), 0) == batch, kBatch);
  for (int64_t j = 0; j < d; ++j) OPBRIDGE_REQUIRE(in(dn + j).dim(0) == batch, kBatch);
  // Only sparse inputs can say so; TF's kernel then writes outside its splits.
  OPBRIDGE_REQUIRE(batch >= 0, "input sparse_shape 0 gives a negative batch size ", batch);

  // The features in input_order (TF's BuildFeatureReaders).
  Plan plan;
  std::vector<Feature> features;
  int64_t next[3] = {0, 0, 0};
  for (const char c : p.input_order) {
    Feature f;
    f.kind = c;
    const ConstTensor* values = nullptr;
    if (c == 'R') {
      values = &in(rv + next[0]);
      f.splits = &in(rs + next[0]++);
    } else if (c == 'S') {
      const int64_t i = next[1]++;
      values = &in(sv + i);
      f.indices = &in(si + i);
      f.num_values = values->num_elements();
    } else {
      values = &in(dn + next[2]++);
      f.width = values->dim(1);
    }
    OPBRIDGE_RETURN_IF_ERROR(CheckFeatureDType(*values, features.size() + 1));
    Column col;
    col.dense = c == 'D';
    col.dtype = values->dtype();
    if (col.is_string()) {
      col.strings = values->data<std::string_view>();
    } else {
      col.ints = values->data<char>();
    }
    plan.columns.push_back(col);
    features.push_back(std::move(f));
  }
  plan.batch_size = batch;
  // output_row_splits first: a batch size beyond TFLite's dims fails here,
  // before the rows are walked.
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({batch + 1})));
  std::vector<int64_t> starts(features.size()), counts(features.size());
  for (int64_t b = 0; b < batch && !features.empty(); ++b) {
    for (size_t c = 0; c < features.size(); ++c) features[c].Row(b, &starts[c], &counts[c]);
    OPBRIDGE_RETURN_IF_ERROR(sparse_cross::AddRow(b, starts, counts, &plan));
  }

  // output_row_splits: the crosses before each row.
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({plan.total})));
  const Tensor& splits_out = ctx.output(1);
  OPBRIDGE_REQUIRE(splits_out.dtype() == DType::kInt32 || splits_out.dtype() == DType::kInt64,
                   "output output_row_splits must be int32 or int64, got ", DTypeName(splits_out.dtype()));
  size_t next_row = 0;
  for (int64_t b = 0; b <= batch; ++b) {
    while (next_row < plan.rows.size() && plan.rows[next_row] < b) ++next_row;
    const int64_t before = next_row < plan.rows.size() ? plan.out_begin[next_row] : plan.total;
    if (splits_out.dtype() == DType::kInt32) {
      splits_out.data<int32_t>()[b] = static_cast<int32_t>(before);  // <= kMaxCrosses
    } else {
      splits_out.data<int64_t>()[b] = before;
    }
  }

  if (ctx.output(0).dtype() == DType::kString) {
    return sparse_cross::WriteStringCrosses(ctx, plan, "_X_", 0);
  }
  OPBRIDGE_REQUIRE(ctx.output(0).dtype() == DType::kInt64, "output output_values must be int64 or string, got ",
                   DTypeName(ctx.output(0).dtype()));
  sparse_cross::WriteHashedCrosses(ctx, plan, p.hash_key, p.num_buckets, 0);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("RaggedCross")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cartesian crosses of ragged, sparse and dense feature columns, as strings or hashes "
                              "(tf.ragged.cross, tf.ragged.cross_hashed).")
                         // TF's six input lists, flattened in TF's order (see the top).
                         .Input("inputs: input_types")
                         .Output("output_values: out_values_type")
                         .Output("output_row_splits: out_row_splits_type")
                         .Params<RaggedCrossParams>()
                         .Attr("input_types: list(type)")
                         .Attr("out_values_type: {int64, string}")
                         .Attr("out_row_splits_type: {int32, int64}")
                         .ShapeRule(RaggedCrossShape)
                         .Kernel(RaggedCrossKernel));

}  // namespace opbridge
