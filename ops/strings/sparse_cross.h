// What SparseCross, SparseCrossHashed and SparseCrossV2 share (TF:
// tensorflow/core/kernels/sparse_cross_op.cc): reading the columns, TF's
// input checks, which features each batch row has, and the order of the
// crosses. The ops differ only in what a cross's value is.
//
// TF's four input lists (indices: N int64 matrices, values: N vectors of
// sparse_types, shapes: N int64 2-vectors, dense_inputs: dense_types
// matrices) reach a TFLite custom node as consecutive tensors. The ops
// declare them as TF does; the adapter splits the node's inputs by N (the
// converter writes N but not sparse_types or dense_types: values has N
// tensors by OpSpec::ListLength, dense_inputs the rest, and the tensors'
// dtypes are the types), so the kernels see them in order from input 0.
//
// Which sparse entries count, as TF's ExtractFeatureData walks them: batch
// rows 0..batch-1 in turn, each taking the next entries whose row index (the
// first index column) equals it. So entries are used while their row indices
// are non-decreasing, >= 0 and < batch; the walk stops for good at the first
// entry that breaks this, and the second index column is never read. Rows
// are crossed column by column in cartesian order, the last column fastest.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint64.h"
#include "opbridge/op.h"

namespace opbridge {
namespace sparse_cross {

// Crosses beyond this many would not fit TFLite's int32 dims of
// output_indices [n, 2] anyway; checked before anything is allocated.
inline constexpr int64_t kMaxCrosses = (int64_t{1} << 30) - 1;

// Element i of an int64 tensor. Read with memcpy: a model's constant buffers
// are only 4-byte aligned.
inline int64_t LoadInt64(const void* base, int64_t i) {
  int64_t v;
  std::memcpy(&v, static_cast<const char*>(base) + i * static_cast<int64_t>(sizeof(v)), sizeof(v));
  return v;
}

struct Column {
  bool dense = false;
  DType dtype = DType::kInvalid;
  const char* ints = nullptr;                  // dtype int64 (LoadInt64, int_bytes)
  const std::string_view* strings = nullptr;  // dtype string
  int64_t width = 0;                           // dense: features per batch row
  // Sparse: the batch rows TF's walk reaches, ascending, with their first
  // value and count.
  std::vector<int64_t> rows, starts, counts;

  bool is_string() const { return dtype == DType::kString; }
  int64_t int_at(int64_t i) const { return LoadInt64(ints, i); }
  const char* int_bytes(int64_t i) const { return ints + i * static_cast<int64_t>(sizeof(int64_t)); }
};

// The batch rows that have crosses, with where each column's features start
// (as element indices into the column's values) and how many there are.
struct Plan {
  int64_t batch_size = 0;
  std::vector<Column> columns;
  std::vector<int64_t> rows;      // ascending
  std::vector<int64_t> out_begin;  // first output index of each row
  std::vector<int64_t> starts;    // [row i * columns + c]
  std::vector<int64_t> counts;    // [row i * columns + c]
  int64_t total = 0;
  int64_t max_count = 0;
};

struct Layout {
  int64_t n = 0;  // sparse columns
  int list_begin = 0;  // node input of the first tensor of the list
  int list_size = 0;
  // SparseCross with internal_type string: int64 columns are refused, as TF does.
  bool refuse_int64 = false;
};

inline Status CheckFeatureType(DType actual, const char* what, int64_t i, const Layout& layout) {
  OPBRIDGE_REQUIRE(actual == DType::kInt64 || actual == DType::kString, what, " ", i, " has type ",
                   DTypeName(actual), ", expected int64 or string");
  OPBRIDGE_REQUIRE(!layout.refuse_int64 || actual != DType::kInt64, what, " ", i,
                   " is int64 but attr 'internal_type' is string");
  return Status::Ok();
}

inline void WalkSparse(const void* indices, int64_t entries, int64_t batch, Column* col) {
  int64_t last = 0;
  for (int64_t p = 0; p < entries; ++p) {
    const int64_t row = LoadInt64(indices, 2 * p);
    if (row < last || row >= batch) break;
    if (col->rows.empty() || col->rows.back() != row) {
      col->rows.push_back(row);
      col->starts.push_back(p);
      col->counts.push_back(0);
    }
    ++col->counts.back();
    last = row;
  }
}

// Adds a batch row whose columns have features from starts[c] (element
// indices into column c's values), counts[c] of them, to the plan: its
// crosses follow the plan's last. A row with a zero count has none and is
// left out. The crosses are counted against kMaxCrosses before anything is
// allocated. (RaggedCross plans its rows with it too.)
inline Status AddRow(int64_t row, const std::vector<int64_t>& starts, const std::vector<int64_t>& counts,
                     Plan* plan) {
  int64_t product = 1;
  for (const int64_t count : counts) {
    if (count == 0) return Status::Ok();
    product = product > kMaxCrosses / count ? kMaxCrosses + 1 : product * count;
  }
  OPBRIDGE_REQUIRE(product <= kMaxCrosses - plan->total, "output 'output_values' would have more than ",
                   kMaxCrosses, " crosses (reached at batch row ", row, ")");
  plan->rows.push_back(row);
  plan->out_begin.push_back(plan->total);
  plan->starts.insert(plan->starts.end(), starts.begin(), starts.end());
  plan->counts.insert(plan->counts.end(), counts.begin(), counts.end());
  plan->total += product;
  plan->max_count = std::max(plan->max_count, product);
  return Status::Ok();
}

// Reads and checks the columns (TF's ValidateInput, same order) and plans
// the output.
inline Status PlanCrosses(const KernelContext& ctx, const Layout& layout, Plan* plan) {
  const int64_t n = layout.n;
  const int64_t d = layout.list_size - 3 * n;  // dense columns
  OPBRIDGE_REQUIRE(d >= 0, "the node has ", layout.list_size,
                   " tensors for indices, values, shapes and dense_inputs; attr N = ", n, " needs at least ", 3 * n);
  auto in = [&](int64_t k) -> const ConstTensor& { return ctx.input(layout.list_begin + static_cast<int>(k)); };
  for (int64_t i = 0; i < n; ++i) {
    const ConstTensor& t = in(i);
    OPBRIDGE_REQUIRE(t.dtype() == DType::kInt64, "input indices ", i, " must be int64, got ", DTypeName(t.dtype()));
    OPBRIDGE_REQUIRE(t.rank() == 2, "input indices ", i, " must be a matrix, got shape ", t.shape().ToString());
    OPBRIDGE_REQUIRE(t.dim(1) == 2, "input indices ", i, " must have 2 columns, got shape ", t.shape().ToString());
  }
  for (int64_t i = 0; i < n; ++i) {
    const ConstTensor& t = in(n + i);
    OPBRIDGE_RETURN_IF_ERROR(CheckFeatureType(t.dtype(), "input values", i, layout));
    OPBRIDGE_REQUIRE(t.rank() == 1, "input values ", i, " must be a vector, got shape ", t.shape().ToString());
    OPBRIDGE_REQUIRE(t.dim(0) == in(i).dim(0), "input values ", i, " has ", t.dim(0), " values but indices ", i,
                     " has ", in(i).dim(0), " rows");
  }
  for (int64_t i = 0; i < n; ++i) {
    const ConstTensor& t = in(2 * n + i);
    OPBRIDGE_REQUIRE(t.dtype() == DType::kInt64, "input shapes ", i, " must be int64, got ", DTypeName(t.dtype()));
    OPBRIDGE_REQUIRE(t.rank() == 1, "input shapes ", i, " must be a vector, got shape ", t.shape().ToString());
    OPBRIDGE_REQUIRE(t.dim(0) == 2, "input shapes ", i, " must imply a 2-D tensor, got shape ",
                     t.shape().ToString());
  }
  for (int64_t j = 0; j < d; ++j) {
    const ConstTensor& t = in(3 * n + j);
    OPBRIDGE_RETURN_IF_ERROR(CheckFeatureType(t.dtype(), "input dense_inputs", j, layout));
    OPBRIDGE_REQUIRE(t.rank() == 2, "input dense_inputs ", j, " must be a matrix, got shape ", t.shape().ToString());
  }
  int64_t batch = 0;
  if (n > 0) {
    batch = LoadInt64(in(2 * n).data<void>(), 0);
  } else if (d > 0) {
    batch = in(0).dim(0);
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t b = LoadInt64(in(2 * n + i).data<void>(), 0);
    OPBRIDGE_REQUIRE(b == batch, "input shapes ", i, " gives batch size ", b, ", expected ", batch);
  }
  for (int64_t j = 0; j < d; ++j) {
    OPBRIDGE_REQUIRE(in(3 * n + j).dim(0) == batch, "input dense_inputs ", j, " has batch size ",
                     in(3 * n + j).dim(0), ", expected ", batch);
  }
  // TF's kernel sizes a vector by the batch size and dies on a negative one.
  OPBRIDGE_REQUIRE(batch >= 0, "input shapes 0 gives a negative batch size ", batch);
  plan->batch_size = batch;

  const int64_t num_columns = n + d;
  plan->columns.assign(static_cast<size_t>(num_columns), Column{});
  for (int64_t c = 0; c < num_columns; ++c) {
    Column& col = plan->columns[static_cast<size_t>(c)];
    const ConstTensor& values = in(c < n ? n + c : 3 * n + (c - n));
    col.dense = c >= n;
    col.dtype = values.dtype();
    if (col.is_string()) {
      col.strings = values.data<std::string_view>();
    } else {
      col.ints = values.data<char>();
    }
    if (col.dense) {
      col.width = values.dim(1);
    } else {
      WalkSparse(in(c).data<void>(), in(c).dim(0), batch, &col);
    }
  }
  if (num_columns == 0) return Status::Ok();

  // Candidate rows: those column 0 has features in (every row when all columns are dense).
  const Column& first = plan->columns[0];
  std::vector<size_t> cursor(static_cast<size_t>(num_columns), 0);
  const int64_t candidates = first.dense ? (first.width > 0 ? batch : 0) : static_cast<int64_t>(first.rows.size());
  std::vector<int64_t> starts(static_cast<size_t>(num_columns)), counts(static_cast<size_t>(num_columns));
  for (int64_t k = 0; k < candidates; ++k) {
    const int64_t row = first.dense ? k : first.rows[static_cast<size_t>(k)];
    bool empty = false;
    for (int64_t c = 0; c < num_columns && !empty; ++c) {
      const Column& col = plan->columns[static_cast<size_t>(c)];
      int64_t count = 0, start = 0;
      if (col.dense) {
        count = col.width;
        start = row * col.width;
      } else {
        size_t& at = cursor[static_cast<size_t>(c)];  // rows ascend: a merge, not a search
        while (at < col.rows.size() && col.rows[at] < row) ++at;
        if (at < col.rows.size() && col.rows[at] == row) {
          count = col.counts[at];
          start = col.starts[at];
        }
      }
      starts[static_cast<size_t>(c)] = start;
      counts[static_cast<size_t>(c)] = count;
      empty = count == 0;
    }
    if (!empty) OPBRIDGE_RETURN_IF_ERROR(AddRow(row, starts, counts, plan));
  }
  return Status::Ok();
}

// Allocates output_indices [total, 2] and output_shape [2] and fills them, and
// allocates output_values [total].
inline Status AllocateOutputs(KernelContext& ctx, const Plan& plan) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({plan.total, 2})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({plan.total})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({2})));
  int64_t* shape = ctx.output(2).data<int64_t>();
  shape[0] = plan.batch_size;
  shape[1] = plan.max_count;
  int64_t* indices = ctx.output(0).data<int64_t>();
  for (size_t r = 0; r < plan.rows.size(); ++r) {
    const int64_t end = r + 1 < plan.rows.size() ? plan.out_begin[r + 1] : plan.total;
    for (int64_t k = plan.out_begin[r]; k < end; ++k) {
      indices[2 * k] = plan.rows[r];
      indices[2 * k + 1] = k - plan.out_begin[r];
    }
  }
  return Status::Ok();
}

// Calls fn(output index, element index of each column's feature) for every
// cross, rows split over threads, each row's crosses in TF's order.
template <typename Fn>
void ForEachCross(const KernelContext& ctx, const Plan& plan, Fn fn) {
  const size_t num_columns = plan.columns.size();
  ctx.ParallelFor(static_cast<int64_t>(plan.rows.size()), 2000 * static_cast<int64_t>(num_columns),
                  [&](int64_t begin, int64_t end) {
                    std::vector<int64_t> pick(num_columns);
                    for (int64_t r = begin; r < end; ++r) {
                      const int64_t* starts = &plan.starts[static_cast<size_t>(r) * num_columns];
                      const int64_t* counts = &plan.counts[static_cast<size_t>(r) * num_columns];
                      std::vector<int64_t> digit(num_columns, 0);
                      int64_t out = plan.out_begin[static_cast<size_t>(r)];
                      while (true) {
                        for (size_t c = 0; c < num_columns; ++c) pick[c] = starts[c] + digit[c];
                        fn(out++, pick.data());
                        size_t c = num_columns;
                        while (c > 0 && ++digit[c - 1] == counts[c - 1]) digit[--c] = 0;
                        if (c == 0) break;
                      }
                    }
                  });
}

// A feature as text, as TF's string crossers see it (int64 in decimal).
inline void AppendFeature(const Column& col, int64_t at, std::string* out) {
  if (col.is_string()) {
    out->append(col.strings[at]);
  } else {
    out->append(std::to_string(col.int_at(at)));
  }
}

// a * b, or cap when that would pass it (sizes checked against a limit).
inline uint64_t SaturatingMul(uint64_t a, uint64_t b, uint64_t cap) {
  if (a != 0 && b > cap / a) return cap;
  return std::min(a * b, cap);
}

inline uint64_t FeatureTextSize(const Column& col, int64_t at) {
  if (col.is_string()) return col.strings[at].size();
  return std::to_string(col.int_at(at)).size();
}

// Joins each cross's features with `sep` into output_values (string; output
// `values_output`: 1 in the SparseCross ops, 0 in RaggedCross). The total is
// computed first (row by row: each feature appears in product / count
// crosses) and refused beyond TFLite's int32 string offsets before anything
// is built.
inline Status WriteStringCrosses(const KernelContext& ctx, const Plan& plan, std::string_view sep,
                                 int values_output = 1) {
  const size_t num_columns = plan.columns.size();
  constexpr uint64_t kLimit = INT32_MAX;
  uint64_t bytes = 0;
  for (size_t r = 0; r < plan.rows.size() && bytes <= kLimit; ++r) {
    const int64_t product = (r + 1 < plan.rows.size() ? plan.out_begin[r + 1] : plan.total) - plan.out_begin[r];
    const uint64_t cap = kLimit + 1;
    bytes += SaturatingMul(SaturatingMul(static_cast<uint64_t>(product), num_columns - 1, cap), sep.size(), cap);
    for (size_t c = 0; c < num_columns && bytes <= kLimit; ++c) {
      const int64_t start = plan.starts[r * num_columns + c], count = plan.counts[r * num_columns + c];
      uint64_t column_bytes = 0;
      for (int64_t k = 0; k < count && column_bytes <= kLimit; ++k) column_bytes += FeatureTextSize(plan.columns[c], start + k);
      bytes += SaturatingMul(column_bytes, static_cast<uint64_t>(product / count), cap);
    }
  }
  OPBRIDGE_REQUIRE(bytes <= kLimit, "output 'output_values' would hold more than ", kLimit,
                   " bytes of crossed strings, beyond TFLite's int32 string offsets");
  std::string* values = ctx.output(values_output).data<std::string>();
  ForEachCross(ctx, plan, [&](int64_t out, const int64_t* pick) {
    std::string& s = values[out];
    for (size_t c = 0; c < num_columns; ++c) {
      if (c > 0) s.append(sep);
      AppendFeature(plan.columns[c], pick[c], &s);
    }
  });
  return Status::Ok();
}

// TF's bucketing of a combined hash: modulo num_buckets when positive, else
// modulo INT64_MAX so the result is non-negative (uint64 arithmetic).
inline int64_t Bucket(uint64_t hash, int64_t num_buckets) {
  const uint64_t m = num_buckets > 0 ? static_cast<uint64_t>(num_buckets) : static_cast<uint64_t>(INT64_MAX);
  return static_cast<int64_t>(hash % m);
}

// The int64 crosses of SparseCross and RaggedCross into output `values_output`:
// from hash_key, FingerprintCat64 with each feature (Fingerprint64 of a string,
// an int64 as it is), then Bucket.
inline void WriteHashedCrosses(KernelContext& ctx, const Plan& plan, int64_t hash_key, int64_t num_buckets,
                               int values_output) {
  int64_t* values = ctx.output(values_output).data<int64_t>();
  const auto key = static_cast<uint64_t>(hash_key);
  ForEachCross(ctx, plan, [&](int64_t out, const int64_t* pick) {
    uint64_t hash = key;
    for (size_t c = 0; c < plan.columns.size(); ++c) {
      const Column& col = plan.columns[c];
      const uint64_t feature = col.is_string() ? fingerprint::Fingerprint64(col.strings[pick[c]])
                                               : static_cast<uint64_t>(col.int_at(pick[c]));
      hash = fingerprint::FingerprintCat64(hash, feature);
    }
    values[out] = Bucket(hash, num_buckets);
  });
}

}  // namespace sparse_cross
}  // namespace opbridge
