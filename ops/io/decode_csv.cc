// DecodeCSV: each string of `records` split into CSV fields and converted to
// the types of `record_defaults` (tf.io.decode_csv). TFLite has no kernel: the
// converter emits CUSTOM "DecodeCSV" with options {field_delim,
// use_quote_delim, na_value, select_cols}; OUT_TYPE (a list(type)) is dropped,
// so the types are the record_defaults' and outputs' tensors' own.
//
// As TF's CPU kernel (decode_csv_op.cc), step for step:
// - Splitting (ExtractFields): an empty record has no fields. '\n' and '\r'
//   where a field would start are skipped. With use_quote_delim a field
//   starting with '"' is quoted: it ends at a '"' followed by the delimiter or
//   the record's end, '""' inside is one '"', any other '"' is an error;
//   elsewhere a '"' (use_quote_delim), '\n' or '\r' inside an unquoted field
//   is an error. A record ending in the delimiter has an empty last field.
//   select_cols keeps those columns only (splitting stops after the last).
// - Each record must give exactly as many fields as outputs. An empty field,
//   or one equal to na_value, takes its column's default; a column whose
//   default is empty (shape [0]) is required there. Other fields are parsed
//   as TF does (absl's SimpleAtoi / SimpleAtof / SimpleAtod: numeric_text.h,
//   shared with StringToNumber); strings are kept as they are.
// - Errors, with TF's texts: the first failing record's (TF stops at the
//   first), and in it the split error, then the field count, then the first
//   bad field. Attrs and default shapes as TF's constructor and Compute.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../strings/numeric_text.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct DecodeCsvParams {
  std::string field_delim = ",";
  bool use_quote_delim = true;
  std::string na_value;
  std::vector<int64_t> select_cols;

  static void Declare(ParamBinder& b, DecodeCsvParams& p) {
    b.Attr("field_delim: string = ','", &p.field_delim);
    b.Attr("use_quote_delim: bool = true", &p.use_quote_delim);
    b.Attr("na_value: string = ''", &p.na_value);
    b.Attr("select_cols: list(int) = []", &p.select_cols);
  }

  // TF's constructor checks (the count against the outputs is in the shape rule).
  Status Validate() const {
    for (size_t i = 1; i < select_cols.size(); ++i) {
      OPBRIDGE_REQUIRE(select_cols[i - 1] < select_cols[i], "select_cols should be strictly increasing indices");
    }
    OPBRIDGE_REQUIRE(select_cols.empty() || select_cols.front() >= 0, "select_cols should be non-negative indices");
    OPBRIDGE_REQUIRE(field_delim.size() == 1, "field_delim should be only 1 char");
    return Status::Ok();
  }
};

Status DecodeCsvShape(ShapeContext& ctx, const DecodeCsvParams& p) {
  const int n = ctx.num_outputs();
  OPBRIDGE_REQUIRE(ctx.num_inputs() == n + 1, "expects 1 + ", n, " inputs ('records' and one default per output), the "
                   "node has ", ctx.num_inputs());
  OPBRIDGE_REQUIRE(p.select_cols.empty() || p.select_cols.size() == static_cast<size_t>(n),
                   "select_cols should match output size");
  for (int f = 0; f < n; ++f) {
    const Shape& d = ctx.input(f + 1);
    if (!d.rank_known()) continue;
    OPBRIDGE_REQUIRE(d.rank() <= 1, "Each record default should be at most rank 1 (field ", f, "'s is ",
                     d.ToString(), ")");
    OPBRIDGE_REQUIRE(d.rank() == 0 || d.dim(0) < 2, "There should only be 1 default per field but field ", f,
                     " has ", d.dim(0));
  }
  for (int f = 0; f < n; ++f) ctx.set_output(f, ctx.input(0));
  return Status::Ok();
}

enum class Kind { kFloat, kDouble, kInt32, kInt64, kString };

// What went wrong in a record, the message built once for the first one.
enum class Failure { kNone, kUnquoted, kEscape, kQuotedEnd, kCount, kMissing, kInvalid };

struct Splitter {
  char delim;
  bool quote;
  const std::vector<int64_t>& select;

  // TF's ExtractFields on `in`: the first `cap` fields kept go to views
  // (a quoted field with escapes unescaped into scratch[j]); *count counts
  // all kept fields. Splitting goes on past `cap`: a later field's quote
  // error comes before the count error, as in TF.
  Failure Split(std::string_view in, size_t cap, std::string_view* views, std::string* scratch,
                size_t* count) const {
    *count = 0;
    const size_t n = in.size();
    if (n == 0) return Failure::kNone;
    const bool all = select.empty();
    size_t i = 0, parsed = 0, kept = 0;
    while (i < n) {
      if (in[i] == '\n' || in[i] == '\r') {
        ++i;
        continue;
      }
      const bool include = all || static_cast<size_t>(select[kept]) == parsed;
      std::string_view field;
      if (quote && in[i] == '"') {
        ++i;
        const size_t begin = i;
        size_t run = begin;  // start of the text not yet copied to buf
        std::string* buf = include && *count < cap ? &scratch[*count] : nullptr;
        bool escaped = false;
        while (i + 1 < n && (in[i] != '"' || in[i + 1] != delim)) {
          if (in[i] != '"') {
            ++i;
            continue;
          }
          if (in[i + 1] != '"') return Failure::kEscape;
          if (buf) {
            if (!escaped) buf->clear();
            buf->append(in.data() + run, i + 1 - run);  // the text and one '"'
          }
          escaped = true;
          i += 2;
          run = i;
        }
        if (!(i < n && in[i] == '"' && (i == n - 1 || in[i + 1] == delim))) return Failure::kQuotedEnd;
        if (!escaped) {
          field = in.substr(begin, i - begin);
        } else if (buf) {
          buf->append(in.data() + run, i - run);
          field = *buf;
        }
        i += 2;
      } else {
        const size_t begin = i;
        for (; i < n && in[i] != delim; ++i) {
          const char c = in[i];
          if ((quote && c == '"') || c == '\n' || c == '\r') return Failure::kUnquoted;
        }
        field = in.substr(begin, i - begin);
        ++i;
      }
      ++parsed;
      if (include) {
        if (*count < cap) views[*count] = field;
        ++*count;
        ++kept;
        if (!all && kept == select.size()) return Failure::kNone;
      }
    }
    const bool include = all || static_cast<size_t>(select[kept]) == parsed;
    if (include && in[n - 1] == delim) {
      if (*count < cap) views[*count] = std::string_view();
      ++*count;
    }
    return Failure::kNone;
  }
};

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kFloat:
      return "float";
    case Kind::kDouble:
      return "double";
    case Kind::kInt32:
      return "int32";
    case Kind::kInt64:
      return "int64";
    case Kind::kString:
      return "string";
  }
  return "?";
}

struct Column {
  Kind kind;
  const ConstTensor* default_value;
  bool has_default;
  void* out = nullptr;                     // T* of the output (numbers)
  std::string* out_strings = nullptr;      // string outputs: escaped fields
  std::string_view* out_views = nullptr;  // string outputs: everything else
};

template <typename T>
bool Store(const Column& c, int64_t r, std::string_view text) {
  T* out = static_cast<T*>(c.out);
  return numeric_text::Parse<T>(text, &out[r]);
}

Status DecodeCsvKernel(KernelContext& ctx, const DecodeCsvParams& p) {
  const ConstTensor& records = ctx.input(0);
  const std::string_view* in = records.data<std::string_view>();
  const int64_t num_records = records.num_elements();
  const size_t n = static_cast<size_t>(ctx.num_outputs());
  std::vector<Column> columns(n);
  for (size_t f = 0; f < n; ++f) {
    const ConstTensor& d = ctx.input(static_cast<int>(f) + 1);
    const Tensor& out = ctx.output(static_cast<int>(f));
    OPBRIDGE_REQUIRE(d.dtype() == out.dtype(), "record default ", f, " is ", DTypeName(d.dtype()), " but output ", f,
                     " is ", DTypeName(out.dtype()));
    Column& c = columns[f];
    switch (d.dtype()) {
      case DType::kFloat32:
        c.kind = Kind::kFloat;
        c.out = out.data<float>();
        break;
      case DType::kFloat64:
        c.kind = Kind::kDouble;
        c.out = out.data<double>();
        break;
      case DType::kInt32:
        c.kind = Kind::kInt32;
        c.out = out.data<int32_t>();
        break;
      case DType::kInt64:
        c.kind = Kind::kInt64;
        c.out = out.data<int64_t>();
        break;
      case DType::kString:
        c.kind = Kind::kString;
        break;
      default:
        return Errorf("csv: data type ", DTypeName(d.dtype()), " not supported in field ", f);
    }
    c.default_value = &d;
    c.has_default = d.num_elements() == 1;
    if (c.kind == Kind::kString) {
      c.out_strings = out.data<std::string>();
      c.out_views = out.data<std::string_view>();
    }
  }
  const Splitter splitter{p.field_delim[0], p.use_quote_delim, p.select_cols};
  const std::string_view na = p.na_value;

  // One record; on failure *bad_field is the field (kMissing, kInvalid) and *count the fields found.
  auto decode = [&](int64_t r, std::string_view* views, std::string* scratch, size_t* count,
                    size_t* bad_field) -> Failure {
    const Failure split = splitter.Split(in[r], n, views, scratch, count);
    if (split != Failure::kNone) return split;
    if (*count != n) return Failure::kCount;
    for (size_t f = 0; f < n; ++f) {
      const Column& c = columns[f];
      const std::string_view text = views[f];
      *bad_field = f;
      if (text.empty() || text == na) {
        if (!c.has_default) return Failure::kMissing;
        switch (c.kind) {
          case Kind::kFloat:
            static_cast<float*>(c.out)[r] = c.default_value->data<float>()[0];
            break;
          case Kind::kDouble:
            static_cast<double*>(c.out)[r] = c.default_value->data<double>()[0];
            break;
          case Kind::kInt32:
            static_cast<int32_t*>(c.out)[r] = c.default_value->data<int32_t>()[0];
            break;
          case Kind::kInt64:
            static_cast<int64_t*>(c.out)[r] = c.default_value->data<int64_t>()[0];
            break;
          case Kind::kString:
            c.out_views[r] = c.default_value->data<std::string_view>()[0];
            break;
        }
        continue;
      }
      bool ok = true;
      switch (c.kind) {
        case Kind::kFloat:
          ok = Store<float>(c, r, text);
          break;
        case Kind::kDouble:
          ok = Store<double>(c, r, text);
          break;
        case Kind::kInt32:
          ok = Store<int32_t>(c, r, text);
          break;
        case Kind::kInt64:
          ok = Store<int64_t>(c, r, text);
          break;
        case Kind::kString: {
          // A view of the record, or (an unescaped quoted field) its own copy.
          const char* base = in[r].data();
          if (text.data() >= base && text.data() + text.size() <= base + in[r].size()) {
            c.out_views[r] = text;
          } else {
            c.out_strings[r].assign(text);
          }
          break;
        }
      }
      if (!ok) return Failure::kInvalid;
    }
    return Failure::kNone;
  };

  std::atomic<int64_t> first_failed{num_records};
  ctx.ParallelFor(num_records, 200, [&](int64_t begin, int64_t end) {
    std::vector<std::string_view> views(n);
    std::vector<std::string> scratch(n);
    size_t count = 0, bad_field = 0;
    for (int64_t r = begin; r < end; ++r) {
      if (decode(r, views.data(), scratch.data(), &count, &bad_field) == Failure::kNone) continue;
      int64_t seen = first_failed.load(std::memory_order_relaxed);
      while (r < seen && !first_failed.compare_exchange_weak(seen, r, std::memory_order_relaxed)) {
      }
      return;  // later records of this range cannot fail first
    }
  });
  const int64_t r = first_failed.load(std::memory_order_relaxed);
  if (r == num_records) return Status::Ok();
  // The first failing record again, for its message.
  std::vector<std::string_view> views(n);
  std::vector<std::string> scratch(n);
  size_t count = 0, f = 0;
  switch (decode(r, views.data(), scratch.data(), &count, &f)) {
    case Failure::kUnquoted:
      return Errorf("Unquoted fields cannot have quotes/CRLFs inside (record ", r, ")");
    case Failure::kEscape:
      return Errorf("Quote inside a string has to be escaped by another quote (record ", r, ")");
    case Failure::kQuotedEnd:
      return Errorf("Quoted field has to end with quote followed by delim or end (record ", r, ")");
    case Failure::kCount:
      return Errorf("Expect ", n, " fields but have ", count, " in record ", r);
    case Failure::kMissing:
      return Errorf("Field ", f, " is required but missing in record ", r, "!");
    case Failure::kInvalid:
      return Errorf("Field ", f, " in record ", r, " is not a valid ", KindName(columns[f].kind), ": ", views[f]);
    case Failure::kNone:
      break;
  }
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("DecodeCSV")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Splits each CSV record into fields converted to the record_defaults' types "
                              "(tf.io.decode_csv): quotes, na_value, select_cols, TF's errors.")
                         .Input("records: string")
                         .Input("record_defaults: OUT_TYPE")
                         .Output("output: OUT_TYPE")
                         .Attr("OUT_TYPE: list(type)")
                         .Params<DecodeCsvParams>()
                         .ShapeRule(DecodeCsvShape)
                         .Kernel(DecodeCsvKernel));

}  // namespace
}  // namespace opbridge
