// RaggedTensorToTensor: TF's dense conversion of a ragged tensor
// (RaggedTensor.to_tensor). The converter leaves it CUSTOM with TF's attrs
// {T, Tindex, Tshape, num_row_partition_tensors, row_partition_types}; keras-hub's
// Whisper audio converter pads/truncates every waveform to a fixed length with it.
//
// Semantics follow TF's ragged_tensor_to_tensor_op.cc and ragged_to_dense_util:
// - row_partition_types: ROW_SPLITS first, or FIRST_DIM_SIZE then VALUE_ROWIDS;
//   later levels ROW_SPLITS or VALUE_ROWIDS. ragged_rank is the number of
//   partitions (not counting FIRST_DIM_SIZE).
// - shape: -1 (unknown rank) or a vector with -1 for "as large as needed"; the
//   output is padded with default_value or truncated to it. Its inner dims must
//   equal values.shape[1:].
// - default_value: rank < values' rank; each dim, aligned from the left with
//   values.shape[1:], must be 1 or equal (TF's check), then it is broadcast
//   numpy-style to values.shape[1:].
// - The output is built as TF builds it: a destination index per value row
//   (-1 when truncated away), then runs of consecutive destinations copied and
//   the gaps filled with the default. Unsorted value_rowids therefore give
//   TF's result, not a scatter.
// TF's errors are kept with TF's texts. Where TF would read values or write the
// output out of bounds (inconsistent partitions: a last split beyond the number
// of values, unsorted value_rowids that run off the end) or allocate without
// bound, this kernel reports the inconsistency instead.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "index_values.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

enum class Partition { kFirstDimSize, kValueRowIds, kRowSplits };

struct RaggedToTensorParams {
  int64_t num_row_partition_tensors = 0;
  std::vector<std::string> row_partition_types;
  mutable std::vector<Partition> types;  // row_partition_types, parsed by Validate()

  static void Declare(ParamBinder& b, RaggedToTensorParams& p) {
    b.Attr("num_row_partition_tensors: int", &p.num_row_partition_tensors);
    b.Attr("row_partition_types: list(string)", &p.row_partition_types);
  }

  // TF's GetRowPartitionTypes and its shape function's checks, with their texts.
  Status Validate() const {
    types.clear();
    for (const std::string& s : row_partition_types) {
      if (s == "FIRST_DIM_SIZE") {
        types.push_back(Partition::kFirstDimSize);
      } else if (s == "VALUE_ROWIDS") {
        types.push_back(Partition::kValueRowIds);
      } else if (s == "ROW_SPLITS") {
        types.push_back(Partition::kRowSplits);
      } else {
        return Errorf("Unknown string for partition info type: ", s);
      }
    }
    OPBRIDGE_REQUIRE(!types.empty(), "Partition info types should not be empty");
    for (size_t i = 1; i < types.size(); ++i) {
      OPBRIDGE_REQUIRE(types[i] != Partition::kFirstDimSize, "FIRST_DIM_SIZE must be first");
    }
    OPBRIDGE_REQUIRE(types[0] != Partition::kFirstDimSize ||
                         (types.size() >= 2 && types[1] == Partition::kValueRowIds),
                     "FIRST_DIM_SIZE must be followed by VALUE_ROWIDS");
    OPBRIDGE_REQUIRE(types[0] != Partition::kValueRowIds, "Cannot handle VALUE_ROWIDS in first dimension.");
    OPBRIDGE_REQUIRE(num_row_partition_tensors == static_cast<int64_t>(types.size()),
                     "Number of row partition tensors (", num_row_partition_tensors,
                     ") does not equal the number of row partition types(", types.size(), ").");
    return Status::Ok();
  }

  bool first_dim_size() const { return types[0] == Partition::kFirstDimSize; }
  int ragged_rank() const { return static_cast<int>(types.size()) - (first_dim_size() ? 1 : 0); }
  // The input and type of the partition between output dims `level` and `level` + 1.
  int input_of_level(int level) const { return 3 + level + (first_dim_size() ? 1 : 0); }
  Partition type_of_level(int level) const { return types[static_cast<size_t>(level + (first_dim_size() ? 1 : 0))]; }
};

constexpr int kShape = 0, kValues = 1, kDefault = 2, kFirstPartition = 3;

// A partition tensor as int64, whatever Tindex is.
std::vector<int64_t> ReadIndices(const ConstTensor& t) {
  std::vector<int64_t> out(static_cast<size_t>(std::max<int64_t>(t.num_elements(), 0)));
  // memcpy: constant buffers (the shape) are only 4-byte aligned.
  for (size_t i = 0; i < out.size(); ++i) {
    const int64_t k = static_cast<int64_t>(i);
    out[i] = t.dtype() == DType::kInt32 ? ragged::Load<int32_t>(t, k) : ragged::Load<int64_t>(t, k);
  }
  return out;
}

// A shape as TF's messages print it: "[4,?,2]", "<unknown>".
std::string TfShapeText(const Shape& shape) {
  if (!shape.rank_known()) return "<unknown>";
  std::string out = "[";
  for (int i = 0; i < shape.rank(); ++i) {
    if (i > 0) out += ",";
    out += shape.dim(i) < 0 ? std::string("?") : std::to_string(shape.dim(i));
  }
  return out + "]";
}

Status CheckIndexDType(const ConstTensor& t, const char* what) {
  OPBRIDGE_REQUIRE(t.dtype() == DType::kInt32 || t.dtype() == DType::kInt64, what, " must be int32 or int64, got ",
                   DTypeName(t.dtype()), " (input '", t.name(), "')");
  return Status::Ok();
}

// TF's TensorShapeFromTensor: a scalar -1 is an unknown rank, a vector lists
// dims with -1 for unknown ones.
Status ReadShape(const ConstTensor& t, Shape* out) {
  OPBRIDGE_RETURN_IF_ERROR(CheckIndexDType(t, "shape"));
  OPBRIDGE_REQUIRE(t.rank() <= 1, "Shape must be at most rank 1 but is rank ", t.rank());
  const std::vector<int64_t> v = ReadIndices(t);
  if (t.rank() == 0) {
    OPBRIDGE_REQUIRE(v[0] == -1, "The only valid scalar shape tensor is the fully unknown shape specified as -1.");
    *out = Shape::UnknownRank();
    return Status::Ok();
  }
  for (const int64_t d : v) OPBRIDGE_REQUIRE(d >= -1, "Dimension ", d, " must be >= -1");
  *out = Shape(v);
  return Status::Ok();
}

// TF's ValidateDefaultValueShape: ranks, and dims compared left-aligned with values.shape[1:].
Status CheckDefaultShape(const Shape& dflt, const Shape& values) {
  const int dr = dflt.rank(), vr = values.rank();
  OPBRIDGE_REQUIRE(dr < vr, "default_value.shape=", TfShapeText(dflt), " and rt_input.flat_values.shape=",
                   TfShapeText(values), " are incompatible: default_value.rank = ", dr,
                   "  must be less than rt_input.flat_values.rank = ", vr);
  for (int i = 0; i < std::min(dr, vr - 1); ++i) {
    const int64_t d = dflt.dim(i), v = values.dim(i + 1);
    OPBRIDGE_REQUIRE(d < 0 || v < 0 || d == 1 || d == v, "default_value.shape=", TfShapeText(dflt),
                     " and rt_input.flat_values.shape=", TfShapeText(values), " are incompatible: default_value.shape[",
                     i - dr, "] = ", d, " but rt_input.flat_values.shape[", i - dr, "] = ", v);
  }
  return Status::Ok();
}

// TF's CombineRaggedTensorToTensorShapes: the requested shape merged with values' inner dims.
Status CombineShapes(int ragged_rank, const Shape& shape, const Shape& values, std::vector<int64_t>* out) {
  if (!shape.rank_known()) {
    out->assign(static_cast<size_t>(ragged_rank + values.rank()), -1);
  } else {
    *out = shape.dims();
  }
  const int rank = static_cast<int>(out->size());
  OPBRIDGE_REQUIRE(ragged_rank + values.rank() == rank, "rt_input.shape and shape=", TfShapeText(shape),
                   " are incompatible: rt_input.rank = ", ragged_rank + values.rank(), " but shape.rank = ", rank);
  for (int i = 1; i < values.rank(); ++i) {
    int64_t& o = (*out)[static_cast<size_t>(rank - values.rank() + i)];
    const int64_t v = values.dim(i);
    OPBRIDGE_REQUIRE(o < 0 || o == v, "rt_input.shape and shape=", TfShapeText(shape),
                     " are incompatible: rt_input.shape[",
                     i + ragged_rank, "] = ", v, " but shape[", i + ragged_rank, "] = ", o);
    o = v;
  }
  return Status::Ok();
}

// The widest row a partition describes (TF's GetMaxWidthRowSplit / GetMaxWidthValueRowID).
int64_t MaxWidth(Partition type, const std::vector<int64_t>& p) {
  int64_t width = 0;
  if (type == Partition::kRowSplits) {
    for (size_t i = 0; i + 1 < p.size(); ++i) {
      int64_t length;
      // An overflowing difference cannot be a valid row: NextLevel refuses it.
      if (!__builtin_sub_overflow(p[i + 1], p[i], &length)) width = std::max(width, length);
    }
    return width;
  }
  if (p.empty()) return 0;
  size_t run_start = 0;
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i] != p[run_start]) {
      width = std::max(width, static_cast<int64_t>(i - run_start));
      run_start = i;
    }
  }
  return std::max(width, static_cast<int64_t>(p.size() - run_start));
}

// The output index of each element of a level (-1: truncated away). Level 0
// is implicit (row i at i * multiplier while i < the output's first dim):
// TF lists first_dim entries, which FIRST_DIM_SIZE may make as large as it likes.
struct Parents {
  const std::vector<int64_t>* list = nullptr;
  int64_t count = 0, shown = 0, multiplier = 0;
  int64_t size() const { return list ? static_cast<int64_t>(list->size()) : count; }
  int64_t at(int64_t i) const { return list ? (*list)[static_cast<size_t>(i)] : (i < shown ? i * multiplier : -1); }
};

// The next level's output indices from its parents' (TF's CalculateOutputIndex*).
// `limit` bounds the list's length: TF would allocate whatever the splits claim.
Status NextLevel(Partition type, const std::vector<int64_t>& p, const Parents& parent, int64_t multiplier,
                 int64_t width, int64_t limit, int level, std::vector<int64_t>* out) {
  out->clear();
  const int64_t parents = parent.size();
  if (type == Partition::kRowSplits) {
    const int64_t rows = static_cast<int64_t>(p.size()) - 1;
    // TF compares a signed count with an unsigned size: empty splits fail here too.
    OPBRIDGE_REQUIRE(rows >= 0 && rows <= parents, "Row partition size is greater than output size: ", rows, " > ",
                     parents);
    const int64_t total = p.empty() ? 0 : p.back();
    OPBRIDGE_REQUIRE(total <= limit, "row partition ", level, " (ROW_SPLITS) ends at ", total,
                     ", more elements than values and the output can hold (", limit, ")");
    out->reserve(static_cast<size_t>(std::max<int64_t>(total, 0)));
    for (int64_t i = 0; i < rows; ++i) {
      int64_t length;
      OPBRIDGE_REQUIRE(!__builtin_sub_overflow(p[static_cast<size_t>(i + 1)], p[static_cast<size_t>(i)], &length),
                       "Invalid row split size.");
      int64_t real = std::min(width, length);
      int64_t index = parent.at(i);
      if (index == -1) real = 0;
      // Negative lengths add nothing, as in TF; its size check below then fails.
      if (length > 0 && static_cast<int64_t>(out->size()) + length > std::max<int64_t>(total, 0)) {
        return Errorf("Invalid row split size.");
      }
      for (int64_t j = 0; j < real; ++j, index += multiplier) out->push_back(index);
      for (int64_t j = real; j < length; ++j) out->push_back(-1);
    }
    OPBRIDGE_REQUIRE(p.empty() || static_cast<int64_t>(out->size()) == total, "Invalid row split size.");
    return Status::Ok();
  }
  if (p.empty()) return Status::Ok();
  int64_t row = p[0];
  OPBRIDGE_REQUIRE(row >= 0 && row < parents, "Got current_value_rowid=", row, " which is not less than ", parents);
  int64_t column = 0, index = parent.at(row);
  out->push_back(index);
  for (size_t i = 1; i < p.size(); ++i) {
    if (p[i] == row) {
      if (index >= 0) index = ++column < width ? index + multiplier : -1;
    } else {
      column = 0;
      row = p[i];
      OPBRIDGE_REQUIRE(row >= 0 && row < parents, "Got next_value_rowid=", row, " which is not less than ", parents);
      index = parent.at(row);
    }
    out->push_back(index);
  }
  return Status::Ok();
}

// Everything the output's shape needs: the requested shape, values' inner
// dims, the first partition and, for ragged dims left at -1, the partitions' widths.
struct Plan {
  std::vector<int64_t> dims;
  int64_t first_dim = 0;
};

Status PlanOutput(KernelContext& ctx, const RaggedToTensorParams& p, Plan* plan) {
  OPBRIDGE_REQUIRE(ctx.num_inputs() == 3 + p.num_row_partition_tensors, "expected ",
                   3 + p.num_row_partition_tensors, " inputs (shape, values, default_value and ",
                   p.num_row_partition_tensors, " row partition tensors), got ", ctx.num_inputs());
  for (int i = kFirstPartition; i < ctx.num_inputs(); ++i) {
    OPBRIDGE_RETURN_IF_ERROR(CheckIndexDType(ctx.input(i), "row partition tensors"));
  }
  const ConstTensor& values = ctx.input(kValues);
  const ConstTensor& dflt = ctx.input(kDefault);
  OPBRIDGE_REQUIRE(dflt.dtype() == values.dtype(), "default_value has dtype ", DTypeName(dflt.dtype()),
                   " but values has ", DTypeName(values.dtype()));
  const ConstTensor& first = ctx.input(kFirstPartition);
  OPBRIDGE_REQUIRE(first.num_elements() > 0, "Invalid first partition input. Tensor requires at least one element.");
  if (p.first_dim_size()) {
    // TF reads it as a scalar and aborts the process on anything bigger.
    OPBRIDGE_REQUIRE(first.num_elements() == 1, "FIRST_DIM_SIZE must be a scalar, but input '", first.name(),
                     "' has shape ", first.shape().ToString());
    plan->first_dim = ReadIndices(first)[0];
    // TF reserves first_dim entries before it looks further: a negative one fails there.
    OPBRIDGE_REQUIRE(plan->first_dim >= 0, "Dimension ", plan->first_dim, " must be >= 0");
  } else {
    OPBRIDGE_REQUIRE(first.rank() >= 1, "ROW_SPLITS must be a vector, but input '", first.name(), "' is a scalar");
    plan->first_dim = first.dim(0) - 1;
  }
  OPBRIDGE_RETURN_IF_ERROR(CheckDefaultShape(dflt.shape(), values.shape()));
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(ReadShape(ctx.input(kShape), &shape));
  OPBRIDGE_RETURN_IF_ERROR(CombineShapes(p.ragged_rank(), shape, values.shape(), &plan->dims));
  if (plan->dims[0] < 0) plan->dims[0] = plan->first_dim;
  for (int level = 0; level < p.ragged_rank(); ++level) {
    int64_t& d = plan->dims[static_cast<size_t>(level + 1)];
    if (d < 0) d = MaxWidth(p.type_of_level(level), ReadIndices(ctx.input(p.input_of_level(level))));
  }
  int64_t total = 1;
  for (const int64_t d : plan->dims) {
    OPBRIDGE_REQUIRE(d >= 0, "Dimension ", d, " must be >= 0");
    OPBRIDGE_REQUIRE(!__builtin_mul_overflow(total, d, &total), "output shape has more than 2**63 - 1 elements");
  }
  int64_t bytes;  // nor may its size in bytes wrap before any allocator sees it
  OPBRIDGE_REQUIRE(!__builtin_mul_overflow(total, int64_t{DTypeSize(values.dtype())}, &bytes), "output of ", total,
                   " elements of ", DTypeName(values.dtype()), " is too large");
  return Status::Ok();
}

// default_value broadcast to one value row (values.shape[1:]), as TF's BCast
// would: for each element of the row, the default element it takes.
Status BroadcastDefault(const ConstTensor& dflt, const Shape& row_shape, std::vector<int64_t>* out) {
  const int64_t row = row_shape.num_elements();
  out->resize(static_cast<size_t>(row));
  if (dflt.num_elements() == row || dflt.num_elements() == 1) {
    for (int64_t i = 0; i < row; ++i) (*out)[static_cast<size_t>(i)] = dflt.num_elements() == 1 ? 0 : i;
    return Status::Ok();
  }
  const int rr = row_shape.rank(), dr = dflt.rank();
  OPBRIDGE_REQUIRE(dr <= rr, "Error broadcasting default_value");
  for (int i = 0; i < dr; ++i) {
    const int64_t d = dflt.dim(i), r = row_shape.dim(i + rr - dr);
    OPBRIDGE_REQUIRE(d == r || d == 1, "Error broadcasting default_value");
  }
  for (int64_t i = 0; i < row; ++i) {
    int64_t rest = i, from = 0, stride = 1;
    for (int k = rr - 1; k >= 0; --k) {
      const int64_t coord = rest % row_shape.dim(k);
      rest /= row_shape.dim(k);
      const int kd = k - (rr - dr);
      if (kd < 0) continue;
      if (dflt.dim(kd) != 1) from += coord * stride;
      stride *= dflt.dim(kd);
    }
    (*out)[static_cast<size_t>(i)] = from;
  }
  return Status::Ok();
}

// Writes output rows: copies of value rows, or the broadcast default. Fixed-size
// dtypes move bytes; strings (TextVectorization's padded tokens) copy views.
class RowWriter {
 public:
  RowWriter(const ConstTensor& values, const ConstTensor& dflt, const Tensor& output, int64_t row,
            const std::vector<int64_t>& dflt_index)
      : values_(values), dflt_(dflt), output_(output), row_(row), dflt_index_(dflt_index) {
    bytes_ = static_cast<size_t>(DTypeSize(values.dtype()));
    if (strings()) return;
    dflt_row_.resize(static_cast<size_t>(row) * bytes_);
    for (int64_t i = 0; i < row; ++i) {
      std::memcpy(dflt_row_.data() + static_cast<size_t>(i) * bytes_,
                  dflt.data<char>() + static_cast<size_t>(dflt_index[static_cast<size_t>(i)]) * bytes_, bytes_);
    }
  }
  bool strings() const { return values_.dtype() == DType::kString; }
  // `count` value rows from row `src` to output row `dst`.
  void Copy(int64_t dst, int64_t src, int64_t count) const {
    if (strings()) {
      const std::string_view* in = values_.data<std::string_view>() + src * row_;
      std::string* out = output_.data<std::string>() + dst * row_;
      for (int64_t i = 0; i < count * row_; ++i) out[i].assign(in[i].data(), in[i].size());
      return;
    }
    const size_t row_bytes = static_cast<size_t>(row_) * bytes_;
    std::memcpy(output_.data<char>() + static_cast<size_t>(dst) * row_bytes,
                values_.data<char>() + static_cast<size_t>(src) * row_bytes, static_cast<size_t>(count) * row_bytes);
  }
  void Default(int64_t dst) const {
    if (strings()) {
      const std::string_view* d = dflt_.data<std::string_view>();
      std::string* out = output_.data<std::string>() + dst * row_;
      for (int64_t i = 0; i < row_; ++i) {
        const std::string_view v = d[dflt_index_[static_cast<size_t>(i)]];
        out[i].assign(v.data(), v.size());
      }
      return;
    }
    std::memcpy(output_.data<char>() + static_cast<size_t>(dst * row_) * bytes_, dflt_row_.data(), dflt_row_.size());
  }
  // Rows [dst, dst + count) all default: one row written, then the written
  // part copied onto the next, doubling (a padded waveform is thousands of
  // one-element rows, too many for a call each).
  void Defaults(int64_t dst, int64_t count) const {
    if (count <= 0) return;
    if (strings()) {
      for (int64_t i = 0; i < count; ++i) Default(dst + i);
      return;
    }
    Default(dst);
    char* first = output_.data<char>() + static_cast<size_t>(dst * row_) * bytes_;
    const size_t total = static_cast<size_t>(count) * dflt_row_.size();
    for (size_t done = dflt_row_.size(); done < total;) {
      const size_t n = std::min(done, total - done);
      std::memcpy(first + done, first, n);
      done += n;
    }
  }

 private:
  const ConstTensor& values_;
  const ConstTensor& dflt_;
  const Tensor& output_;
  int64_t row_;
  const std::vector<int64_t>& dflt_index_;
  size_t bytes_ = 0;
  std::vector<char> dflt_row_;
};

Status RaggedTensorToTensorKernel(KernelContext& ctx, const RaggedToTensorParams& p) {
  Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(PlanOutput(ctx, p, &plan));
  const Shape out_shape(plan.dims);
  const auto allocate = [&]() -> Status {
    if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
    OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == out_shape.dims(), "output has shape ",
                     ctx.output(0).shape().ToString(), ", expected ", out_shape.ToString());
    return Status::Ok();
  };
  // TF looks at the partitions only when the output has elements: an empty
  // output is no error whatever they hold.
  if (out_shape.num_elements() == 0) return allocate();

  const int rr = p.ragged_rank();
  // multiplier[k]: output elements (in value rows) per index of dim k.
  std::vector<int64_t> multiplier(static_cast<size_t>(rr + 1), 1);
  for (int k = rr - 1; k >= 0; --k) {
    multiplier[static_cast<size_t>(k)] = multiplier[static_cast<size_t>(k + 1)] * plan.dims[static_cast<size_t>(k + 1)];
  }
  const ConstTensor& values = ctx.input(kValues);
  const int64_t nvals = values.rank() == 0 ? 1 : values.dim(0);
  const int64_t out_rows = multiplier[0] * plan.dims[0];

  std::vector<int64_t> index, next_index;
  for (int level = 0; level < rr; ++level) {
    const std::vector<int64_t> part = ReadIndices(ctx.input(p.input_of_level(level)));
    const int64_t following = level + 1 < rr ? ctx.input(p.input_of_level(level + 1)).num_elements() : 0;
    // Valid partitions never list more than this; a generous floor keeps odd but
    // harmless ones working as in TF.
    const int64_t limit = std::max<int64_t>(nvals + following, int64_t{1} << 22);
    Parents parent;
    if (level == 0) {
      parent.count = plan.first_dim;
      parent.shown = std::min(plan.first_dim, plan.dims[0]);
      parent.multiplier = multiplier[0];
    } else {
      parent.list = &index;
    }
    OPBRIDGE_RETURN_IF_ERROR(NextLevel(p.type_of_level(level), part, parent, multiplier[static_cast<size_t>(level + 1)],
                                       plan.dims[static_cast<size_t>(level + 1)], limit, level, &next_index));
    index.swap(next_index);
  }

  // The partitions are checked before the output is allocated: splits
  // claiming a huge row must fail as inconsistent, not as an allocation.
  OPBRIDGE_RETURN_IF_ERROR(allocate());
  const Tensor& output = ctx.output(0);

  // Runs of consecutive destinations are copied from values, gaps take the
  // default: TF's SetOutput, with its out-of-bounds cases reported.
  Shape row_shape = out_shape.Slice(rr + 1, out_shape.rank());
  const int64_t row = row_shape.num_elements();
  std::vector<int64_t> dflt_index;
  OPBRIDGE_RETURN_IF_ERROR(BroadcastDefault(ctx.input(kDefault), row_shape, &dflt_index));
  const RowWriter writer(values, ctx.input(kDefault), output, row, dflt_index);
  const int64_t n = static_cast<int64_t>(index.size());
  int64_t src_start = 0, dst_start = 0, dst_end = 0;
  for (int64_t src_i = 0; src_i <= n; ++src_i) {
    int64_t dst_i = src_i < n ? index[static_cast<size_t>(src_i)] : -1;
    if (dst_i == dst_end) {
      ++dst_end;
      continue;
    }
    if (dst_start < dst_end) {
      OPBRIDGE_REQUIRE(dst_end <= out_rows, "value_rowids are not sorted: value row ", src_i - 1,
                       " would be written past the end of the output");
      OPBRIDGE_REQUIRE(src_start + (dst_end - dst_start) <= nvals, "the row partitions address value row ",
                       src_start + (dst_end - dst_start) - 1, " but values has only ", nvals, " rows (input '",
                       values.name(), "')");
      writer.Copy(dst_start, src_start, dst_end - dst_start);
    }
    if (src_i >= n) dst_i = out_rows;
    if (dst_end < dst_i) {
      OPBRIDGE_REQUIRE(dst_end < out_rows, "value_rowids are not sorted: the output would be padded past its end");
      const int64_t pad_end = std::min(dst_i, out_rows);
      writer.Defaults(dst_end, pad_end - dst_end);
      dst_end = pad_end;
      OPBRIDGE_REQUIRE(dst_end >= dst_i, "value_rowids are not sorted: the output would be padded past its end");
    }
    if (dst_i < 0) {
      src_start = src_i + 1;
      dst_start = dst_end;
    } else {
      src_start = src_i;
      dst_start = dst_end;
      dst_end = dst_start + 1;
    }
  }
  return Status::Ok();
}

// The output's shape when prepare can know it: a constant shape input, and
// every dim either given there or fixed by tensor shapes (the first dim by
// the ROW_SPLITS length, inner dims by values). Otherwise the kernel allocates it.
Status RaggedTensorToTensorShape(ShapeContext& ctx, const RaggedToTensorParams& p) {
  ctx.set_output_dynamic(0);
  const ConstTensor* shape_t = ctx.input_value(kShape);
  if (shape_t == nullptr || ctx.num_inputs() != 3 + p.num_row_partition_tensors) return Status::Ok();
  const Shape& values = ctx.input(kValues);
  const Shape& first = ctx.input(kFirstPartition);
  if (!values.rank_known() || !first.rank_known() || values.rank() == 0 || p.first_dim_size() ||
      first.rank() != 1 || first.dim(0) < 1 ||
      (shape_t->dtype() != DType::kInt32 && shape_t->dtype() != DType::kInt64)) {
    return Status::Ok();
  }
  Shape shape;
  if (!ReadShape(*shape_t, &shape).ok()) return Status::Ok();
  std::vector<int64_t> dims;
  if (!CombineShapes(p.ragged_rank(), shape, values, &dims).ok()) return Status::Ok();
  if (dims[0] < 0) dims[0] = first.dim(0) - 1;
  for (const int64_t d : dims) {
    if (d < 0) return Status::Ok();
  }
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("RaggedTensorToTensor")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A ragged tensor (values and row partitions) as a dense tensor of a requested shape, "
                              "padded with default_value or truncated (RaggedTensor.to_tensor).")
                         .Input("shape: Tshape")
                         .Input("values: T")
                         .Input("default_value: T")
                         .Input("row_partition_tensors: num_row_partition_tensors * Tindex")
                         .Output("result: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128, string}")
                         .Attr("Tindex: {int64, int32}")
                         .Attr("Tshape: {int64, int32}")
                         .Params<RaggedToTensorParams>()
                         .ShapeRule(RaggedTensorToTensorShape)
                         .Kernel(RaggedTensorToTensorKernel));

}  // namespace
}  // namespace opbridge
