// ParseExampleV2: tf.io.parse_example / parse_single_example (a scalar
// `serialized`), what TFX, Estimator and Keras serving signatures start with.
// TFLite has no kernel: the converter leaves CUSTOM "ParseExampleV2" whose
// options keep num_sparse only (measured, TF 2.21): Tdense is bound from the
// dense_defaults tensors, the output types (sparse_types, ragged_value_types,
// ragged_split_types) from the output tensors, and dense_shapes, a list of
// shapes the options cannot hold, from the dense outputs' declared shapes
// (the model's shape signature: batch dims, then the dense shape, its first
// dim -1 for a FixedLenSequenceFeature).
//
// Semantics are TF's fast parser's (example_wire.h for the bytes): per
// example the map entries are taken last first and a key's later entry wins
// (an empty Feature is absent for a dense feature, an empty list for a
// sparse or ragged one); every entry of a key asked for has its type byte
// checked, keys no feature asks for are never looked at. Fixed dense features take the example's values or the default
// (an error without one), variable ones are padded with the default to the
// batch's longest, sparse ones give (example, position) indices and
// [batch, longest] shapes, ragged ones values and row splits. Errors are TF's
// texts, the first failing example's, checked in TF's order.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <type_traits>
#include <string_view>
#include <vector>

#include "example_wire.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using example_wire::List;
using example_wire::ValueType;

struct ParseExampleParams {
  int64_t num_sparse = 0;

  static void Declare(ParamBinder& b, ParseExampleParams& p) { b.Attr("num_sparse: int >= 0", &p.num_sparse); }
};

enum class Kind : uint8_t { kSparse, kDense, kRagged };

struct Feature {
  std::string_view key;
  Kind kind = Kind::kDense;
  ValueType type = ValueType::kInvalid;
  DType dtype = DType::kFloat32;
  int index = 0;  // among its kind
  // Dense: the shape, its elements (fixed) or the elements per row (variable).
  std::vector<int64_t> shape;
  bool variable = false;
  int64_t elements = 1;
  const ConstTensor* default_value = nullptr;
};

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kFloat: return "float";
    case ValueType::kInt64: return "int64";
    case ValueType::kBytes: return "string";
    default: return "invalid";
  }
}

ValueType ValueTypeOf(DType d) {
  switch (d) {
    case DType::kFloat32: return ValueType::kFloat;
    case DType::kInt64: return ValueType::kInt64;
    case DType::kString: return ValueType::kBytes;
    default: return ValueType::kInvalid;
  }
}

// TF's shape text: "[2,3]", "[]", "[?,2]" for a variable first dim.
std::string ShapeText(const Feature& f) {
  std::string out = "[";
  for (size_t k = 0; k < f.shape.size(); ++k) {
    if (k) out += ",";
    out += (f.variable && k == 0) ? "?" : std::to_string(f.shape[k]);
  }
  return out + "]";
}

// The node's layout: counts from the inputs (5 + dense) and outputs
// (3 sparse + dense + 2 ragged).
struct Layout {
  int64_t num_sparse = 0, num_dense = 0, num_ragged = 0;
};

Status GetLayout(int num_inputs, int num_outputs, const ParseExampleParams& p, Layout* out) {
  OPBRIDGE_REQUIRE(num_inputs >= 5, "expects at least 5 inputs, the node has ", num_inputs);
  out->num_sparse = p.num_sparse;
  out->num_dense = num_inputs - 5;
  const int64_t rest = num_outputs - 3 * p.num_sparse - out->num_dense;
  OPBRIDGE_REQUIRE(rest >= 0 && rest % 2 == 0, "the node has ", num_outputs, " outputs, which is not 3 * num_sparse (",
                   p.num_sparse, ") + ", out->num_dense, " dense + 2 * ragged");
  out->num_ragged = rest / 2;
  return Status::Ok();
}

Status ParseExampleShape(ShapeContext& ctx, const ParseExampleParams& p) {
  Layout layout;
  OPBRIDGE_RETURN_IF_ERROR(GetLayout(ctx.num_inputs(), ctx.num_outputs(), p, &layout));
  OPBRIDGE_REQUIRE(!ctx.input(0).rank_known() || ctx.input(0).rank() <= 1,
                   "Expected serialized to be a scalar or vector, got shape: ", ctx.input(0).ToString());
  // Every output's size depends on the examples (a fixed dense output's on
  // the batch only, but its shape comes from the declared one, which only
  // the kernel reads again).
  for (int i = 0; i < ctx.num_outputs(); ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

// Open addressing from key to feature: built once per invocation, probed
// once per map entry of every example.
class KeyTable {
 public:
  void Build(const std::vector<Feature>& features) {
    size_t size = 8;
    while (size < 2 * features.size()) size *= 2;
    slots_.assign(size, -1);
    keys_.clear();
    for (size_t f = 0; f < features.size(); ++f) {
      keys_.push_back(features[f].key);
      size_t k = Hash(features[f].key) & (size - 1);
      while (slots_[k] >= 0 && keys_[static_cast<size_t>(slots_[k])] != features[f].key) k = (k + 1) & (size - 1);
      if (slots_[k] < 0) slots_[k] = static_cast<int>(f);  // a repeated key: the first feature keeps it
    }
  }
  int Find(std::string_view key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t k = Hash(key) & mask;; k = (k + 1) & mask) {
      const int f = slots_[k];
      if (f < 0 || keys_[static_cast<size_t>(f)] == key) return f;
    }
  }

 private:
  static size_t Hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : s) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  std::vector<int> slots_;
  std::vector<std::string_view> keys_;
};

// Where feature f's values sit in example i: a list (count >= 0) or absent.
struct Slot {
  List list;
  int64_t count = -1;
};

// The features in TF's order (sparse, dense, ragged) with what the node's
// tensors say of each, checked as TF's kernel checks its inputs.
Status BuildFeatures(const KernelContext& ctx, const Layout& L, bool batch, std::vector<Feature>* out) {
  const auto keys_of = [&](int input, int64_t expected, const char* what) -> Status {
    OPBRIDGE_REQUIRE(ctx.input(input).num_elements() == expected, "Expected len(", what, ") == ", expected,
                     ", got ", ctx.input(input).num_elements());
    return Status::Ok();
  };
  OPBRIDGE_RETURN_IF_ERROR(keys_of(2, L.num_sparse, "sparse_keys"));
  OPBRIDGE_RETURN_IF_ERROR(keys_of(3, L.num_dense, "dense_keys"));
  OPBRIDGE_RETURN_IF_ERROR(keys_of(4, L.num_ragged, "ragged_keys"));
  for (int i = 1; i <= 4; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).dtype() == DType::kString, "input '", ctx.input(i).name(), "' must be string");
  }
  const int batch_rank = batch ? 1 : 0;
  out->clear();
  for (int64_t s = 0; s < L.num_sparse; ++s) {
    Feature f;
    f.kind = Kind::kSparse;
    f.index = static_cast<int>(s);
    f.key = ctx.input(2).data<std::string_view>()[s];
    f.dtype = ctx.output(static_cast<int>(L.num_sparse + s)).dtype();
    out->push_back(f);
  }
  for (int64_t d = 0; d < L.num_dense; ++d) {
    Feature f;
    f.kind = Kind::kDense;
    f.index = static_cast<int>(d);
    f.key = ctx.input(3).data<std::string_view>()[d];
    f.default_value = &ctx.input(static_cast<int>(5 + d));
    f.dtype = f.default_value->dtype();
    const int out_index = static_cast<int>(3 * L.num_sparse + d);
    const Shape& declared = ctx.declared_output(out_index);
    OPBRIDGE_REQUIRE(declared.rank_known() && declared.rank() >= batch_rank, "dense output ", d, " (key '", f.key,
                     "'): the model declares no shape for it, where the converter keeps dense_shapes (got ",
                     declared.ToString(), ")");
    for (int k = batch_rank; k < declared.rank(); ++k) f.shape.push_back(declared.dim(k));
    f.variable = !f.shape.empty() && f.shape[0] < 0;
    f.elements = 1;
    for (size_t k = f.variable ? 1 : 0; k < f.shape.size(); ++k) {
      OPBRIDGE_REQUIRE(f.shape[k] >= 0, "dense output ", d, " (key '", f.key, "') is declared ",
                       declared.ToString(), ": only a dense shape's first dim may be unknown");
      // TFLite dims are int32: a larger declared shape is a corrupt model, not an overflow here.
      OPBRIDGE_REQUIRE(f.shape[k] <= INT32_MAX && f.elements <= INT32_MAX / std::max<int64_t>(f.shape[k], 1),
                       "dense output ", d, " (key '", f.key, "') is declared ", declared.ToString(),
                       ", more elements per example than a TFLite tensor holds");
      f.elements *= f.shape[k];
    }
    const int64_t given = f.default_value->num_elements();
    if (f.variable) {
      OPBRIDGE_REQUIRE(given == 1, "dense_shape[", d, "] is a variable length shape: ", ShapeText(f),
                       ", therefore def_value[", d,
                       "] must contain a single element (the padding element).  But its shape is: ",
                       f.default_value->shape().ToString());
    } else if (given > 0) {
      bool same = f.default_value->rank() == static_cast<int>(f.shape.size());
      for (size_t k = 0; same && k < f.shape.size(); ++k) same = f.default_value->dim(static_cast<int>(k)) == f.shape[k];
      OPBRIDGE_REQUIRE(same, "def_value[", d, "].shape() == ", f.default_value->shape().ToString(),
                       " is not compatible with dense_shapes_[", d, "] == ", ShapeText(f));
    }
    out->push_back(f);
  }
  const int64_t ragged_values = 3 * L.num_sparse + L.num_dense;
  for (int64_t r = 0; r < L.num_ragged; ++r) {
    Feature f;
    f.kind = Kind::kRagged;
    f.index = static_cast<int>(r);
    f.key = ctx.input(4).data<std::string_view>()[r];
    f.dtype = ctx.output(static_cast<int>(ragged_values + r)).dtype();
    const DType splits = ctx.output(static_cast<int>(ragged_values + L.num_ragged + r)).dtype();
    OPBRIDGE_REQUIRE(splits == DType::kInt32 || splits == DType::kInt64, "output 'ragged_row_splits' ", r,
                     " must be int32 or int64, got ", DTypeName(splits));
    out->push_back(f);
  }
  for (Feature& f : *out) {
    f.type = ValueTypeOf(f.dtype);
    OPBRIDGE_REQUIRE(f.type != ValueType::kInvalid, "feature '", f.key, "' has type ", DTypeName(f.dtype),
                     ": ParseExampleV2 parses float, int64 and string");
  }
  return Status::Ok();
}

const char* CountWord(ValueType t) { return t == ValueType::kBytes ? "bytes" : TypeName(t); }

const char* ListName(ValueType t) {
  return t == ValueType::kFloat ? "float_list" : t == ValueType::kInt64 ? "int64_list" : "bytes_list";
}

// TF's error prefix naming the feature: a batch's "Name: n, Key: k, Index: i."
// or a scalar input's "Key: k." (TF parses one example by another function,
// FastParseSingleExample, with its own texts).
std::string Where(bool single, std::string_view name, std::string_view key, int64_t i) {
  if (single) return "Key: " + std::string(key) + ".  ";
  return "Name: " + std::string(name) + ", Key: " + std::string(key) + ", Index: " + std::to_string(i) + ".  ";
}

// TF quotes the Example's bytes as they are. A runtime's error reporter
// prints with %s (a NUL ends the text) and the Python runtimes decode it as
// UTF-8 (TF's own Python wrapper fails on such bytes): NUL and bytes >= 0x80
// are written \xNN, the rest as TF has them.
std::string Printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const char c : bytes) {
    const auto b = static_cast<uint8_t>(c);
    if (b != 0 && b < 0x80) {
      out += c;
      continue;
    }
    static const char kHex[] = "0123456789abcdef";
    out += "\\x";
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// Finds where each feature's values are in example i (slots[f]), with TF's
// checks and errors. `entries` is the caller's scratch.
Status ScanExample(int64_t i, bool single, std::string_view serialized, std::string_view name,
                   const std::vector<Feature>& features, const KeyTable& table,
                   std::vector<example_wire::Entry>* entries, Slot* slots) {
  entries->clear();
  if (!example_wire::ParseExample(serialized, entries)) {
    return Errorf("Could not parse example input, value: '", Printable(serialized), "'");
  }
  for (size_t e = entries->size(); e-- > 0;) {  // the last entry of a key wins
    const example_wire::Entry& entry = (*entries)[e];
    const int id = table.Find(entry.key);
    if (id < 0) continue;
    ValueType type;
    if (!example_wire::FeatureType(entry.value, &type)) return Errorf("Unsupported datatype.");
    Slot& slot = slots[id];
    const Feature& f = features[static_cast<size_t>(id)];
    // An empty Feature: a dense feature's is absent (an earlier entry may
    // still give it), and so is any feature's of a single example; a batch's
    // sparse or ragged feature takes it as the key's entry, empty.
    if (type == ValueType::kInvalid) {
      if (!single && f.kind != Kind::kDense && slot.count < 0) slot.count = 0;
      continue;
    }
    if (slot.count >= 0) continue;
    if (type != f.type) {
      if (f.kind == Kind::kDense) {
        return Errorf(Where(single, name, f.key, i), "Data types don't match. Data type: ", TypeName(type),
                      " but expected type: ", TypeName(f.type));
      }
      return Errorf(Where(single, name, f.key, i), "Data types don't match. Expected type: ", TypeName(f.type),
                    ", Actual type: ", TypeName(type));
    }
    List list;
    const int64_t count = example_wire::ListOf(entry.value, &list) ? example_wire::CountValues(type, list) : -1;
    const bool fixed = f.kind == Kind::kDense && !f.variable;
    if (count < 0) {
      if (!single) return Errorf(Where(false, name, f.key, i), "Can't parse serialized Example.");
      if (!fixed && type == ValueType::kBytes) {
        return Errorf(Where(true, name, f.key, i), "Can't parse serialized Example: Could not get num elements in bytes_list.");
      }
      return Errorf(Where(true, name, f.key, i), "Can't parse serialized Example: Parsing ", ListName(type), " failed.");
    }
    if (fixed && count != f.elements) {
      if (single) {
        // TF reads strings into the output's slice and fails past its end.
        const bool overrun = type == ValueType::kBytes && count > f.elements;
        return Errorf(Where(true, name, f.key, i), "Can't parse serialized Example: ",
                      overrun ? "Parsing " : "Some ", ListName(type), overrun ? " failed." : " slice was not parsed.");
      }
      return Errorf(Where(false, name, f.key, i), "Number of ", CountWord(type),
                    " values != expected.  Values size: ", count, " but output shape: ", ShapeText(f));
    }
    if (f.kind == Kind::kDense && f.variable && (f.elements == 0 ? count != 0 : count % f.elements != 0)) {
      if (single) {
        return Errorf("Error while parsing feature with key ", f.key, ": number of elements should be divisible by ",
                      f.elements, ", found ", count, " instead");
      }
      return Errorf(Where(false, name, f.key, i), "Number of ", CountWord(type),
                    " values is not a multiple of stride length. Saw ", count, " values but output shape is: ",
                    ShapeText(f));
    }
    slot.list = list;
    slot.count = count;
  }
  for (size_t id = 0; id < features.size(); ++id) {
    const Feature& f = features[id];
    if (f.kind == Kind::kDense && !f.variable && slots[id].count < 0 && f.default_value->num_elements() == 0) {
      if (single) {
        return Errorf("Feature: ", f.key, " (data type: ", TypeName(f.type), ") is required but could not be found.");
      }
      return Errorf("Name: ", name, ", Feature: ", f.key, " (data type: ", TypeName(f.type),
                    ") is required but could not be found.");
    }
  }
  return Status::Ok();
}

// Decodes a list of `type` into out[0, count).
template <typename T>
void Decode(const List& list, T* out) {
  int64_t k = 0;
  if constexpr (std::is_same_v<T, float>) {
    example_wire::WalkFloats(list, [&](const example_wire::Byte* bytes, int64_t count) {
      std::memcpy(out + k, bytes, static_cast<size_t>(count) * sizeof(float));
      k += count;
    });
  } else if constexpr (std::is_same_v<T, int64_t>) {
    example_wire::WalkInt64s(list, [&](int64_t v) { out[k++] = v; });
  } else {
    example_wire::WalkBytes(list, [&](std::string_view s) { out[k++] = s; });
  }
}

// Calls fn with a tag for the feature's element type: float, int64_t, or
// std::string_view (strings are written as views of the inputs).
template <typename Fn>
void ForType(ValueType type, Fn&& fn) {
  switch (type) {
    case ValueType::kFloat: fn(float{}); break;
    case ValueType::kInt64: fn(int64_t{}); break;
    default: fn(std::string_view{}); break;
  }
}

template <typename T>
T* OutData(const Tensor& t) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return t.data<std::string_view>();
  } else {
    return t.data<T>();
  }
}

template <typename T>
const T* InData(const ConstTensor& t) {
  return t.data<T>();
}

Status ParseExampleKernel(KernelContext& ctx, const ParseExampleParams& p) {
  Layout L;
  OPBRIDGE_RETURN_IF_ERROR(GetLayout(ctx.num_inputs(), ctx.num_outputs(), p, &L));
  const ConstTensor& serialized = ctx.input(0);
  OPBRIDGE_REQUIRE(serialized.dtype() == DType::kString, "input 'serialized' must be string");
  OPBRIDGE_REQUIRE(serialized.rank() <= 1, "Expected serialized to be a scalar or vector, got shape: ",
                   serialized.shape().ToString());
  const bool batch = serialized.rank() == 1;
  const int64_t n = serialized.num_elements();
  const ConstTensor& names = ctx.input(1);
  OPBRIDGE_REQUIRE(names.num_elements() == 0 || (names.rank() == serialized.rank() && names.num_elements() == n),
                   "Expected names have the same shape as serialized: name.shape=", names.shape().ToString(),
                   ", serialized.shape=", serialized.shape().ToString());
  std::vector<Feature> features;
  OPBRIDGE_RETURN_IF_ERROR(BuildFeatures(ctx, L, batch, &features));
  const size_t F = features.size();
  KeyTable table;
  table.Build(features);

  // 1: where every feature's values are, all checked (TF allocates nothing
  // before every example parsed).
  const std::string_view* in = serialized.data<std::string_view>();
  const std::string_view* name_of = names.num_elements() ? names.data<std::string_view>() : nullptr;
  std::vector<Slot> slots(static_cast<size_t>(n) * F);
  std::atomic<int64_t> first_error{n};
  Status error;
  std::mutex error_mutex;
  ctx.ParallelFor(n, 300 * static_cast<int64_t>(F + 1), [&](int64_t begin, int64_t end) {
    std::vector<example_wire::Entry> entries;
    for (int64_t i = begin; i < end && i < first_error.load(std::memory_order_relaxed); ++i) {
      const std::string_view name = name_of ? name_of[i] : std::string_view("<unknown>");
      Status s = ScanExample(i, !batch, in[i], name, features, table, &entries, slots.data() + i * static_cast<int64_t>(F));
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (i < first_error.load()) {
          first_error.store(i);
          error = std::move(s);
        }
        return;
      }
    }
  });
  if (first_error.load() < n) return error;

  // 2: sizes, offsets (slot counts become each example's first value), outputs.
  std::vector<int64_t> rows(F, 0);  // sparse/ragged: values; variable dense: the longest example's rows
  std::vector<int64_t> longest(F, 0);
  std::vector<int64_t> offsets(static_cast<size_t>(n) * F, 0);
  for (size_t f = 0; f < F; ++f) {
    const Feature& feat = features[f];
    int64_t total = 0, most = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = std::max<int64_t>(slots[static_cast<size_t>(i) * F + f].count, 0);
      offsets[static_cast<size_t>(i) * F + f] = total;
      total += c;
      most = std::max(most, c);
    }
    rows[f] = total;
    longest[f] = feat.kind == Kind::kDense && feat.variable ? (feat.elements ? most / feat.elements : 0) : most;
  }
  const auto with_batch = [&](std::vector<int64_t> dims) {
    if (batch) dims.insert(dims.begin(), n);
    return Shape(std::move(dims));
  };
  const int64_t ns = L.num_sparse, nd = L.num_dense, nr = L.num_ragged;
  for (size_t f = 0; f < F; ++f) {
    const Feature& feat = features[f];
    const int k = feat.index;
    if (feat.kind == Kind::kSparse) {
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(k, Shape({rows[f], batch ? 2 : 1})));
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(ns + k), Shape({rows[f]})));
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(2 * ns + k), Shape({batch ? 2 : 1})));
      int64_t* shape = ctx.output(static_cast<int>(2 * ns + k)).data<int64_t>();
      if (batch) *shape++ = n;
      *shape = longest[f];
    } else if (feat.kind == Kind::kDense) {
      std::vector<int64_t> dims = feat.shape;
      if (feat.variable) dims[0] = longest[f];
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(static_cast<int>(3 * ns + k), with_batch(dims)));
    } else {
      const int values = static_cast<int>(3 * ns + nd + k), splits = static_cast<int>(3 * ns + nd + nr + k);
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(values, Shape({rows[f]})));
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(splits, Shape({batch ? n + 1 : 0})));
      if (batch) {
        const Tensor& out = ctx.output(splits);
        for (int64_t i = 0; i <= n; ++i) {
          const int64_t v = i < n ? offsets[static_cast<size_t>(i) * F + f] : rows[f];
          if (out.dtype() == DType::kInt32) {
            out.data<int32_t>()[i] = static_cast<int32_t>(v);
          } else {
            out.data<int64_t>()[i] = v;
          }
        }
      }
    }
  }

  // 3: the values, each example's into its place.
  ctx.ParallelFor(n, 100 * static_cast<int64_t>(F + 1), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      for (size_t f = 0; f < F; ++f) {
        const Feature& feat = features[f];
        const Slot& slot = slots[static_cast<size_t>(i) * F + f];
        const int64_t offset = offsets[static_cast<size_t>(i) * F + f];
        ForType(feat.type, [&](auto tag) {
          using T = decltype(tag);
          if (feat.kind == Kind::kSparse) {
            if (slot.count <= 0) return;
            int64_t* index = ctx.output(feat.index).data<int64_t>() + offset * (batch ? 2 : 1);
            for (int64_t j = 0; j < slot.count; ++j) {
              if (batch) *index++ = i;
              *index++ = j;
            }
            Decode(slot.list, OutData<T>(ctx.output(static_cast<int>(ns + feat.index))) + offset);
          } else if (feat.kind == Kind::kRagged) {
            if (slot.count > 0) {
              Decode(slot.list, OutData<T>(ctx.output(static_cast<int>(3 * ns + nd + feat.index))) + offset);
            }
          } else {
            const int64_t per_example = feat.variable ? longest[f] * feat.elements : feat.elements;
            T* out = OutData<T>(ctx.output(static_cast<int>(3 * ns + feat.index))) + i * per_example;
            const T* def = InData<T>(*feat.default_value);
            int64_t written = 0;
            if (slot.count >= 0) {
              Decode(slot.list, out);
              written = slot.count;
            } else if (!feat.variable) {
              std::copy(def, def + per_example, out);
              written = per_example;
            }
            if (written < per_example) std::fill(out + written, out + per_example, def[0]);  // padding
          }
        });
      }
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("ParseExampleV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Parses a batch (or one) of serialized tf.train.Example protos into sparse, dense and "
                              "ragged features (tf.io.parse_example, parse_single_example).")
                         .Input("serialized: string")
                         .Input("names: string")
                         .Input("sparse_keys: string")
                         .Input("dense_keys: string")
                         .Input("ragged_keys: string")
                         .Input("dense_defaults: Tdense")
                         // TF's sparse_indices, sparse_values, sparse_shapes, dense_values,
                         // ragged_values, ragged_row_splits lists, in order (one list here:
                         // the converter keeps none of their type attrs).
                         .Output("outputs: Toutputs")
                         .Params<ParseExampleParams>()
                         .Attr("Tdense: list(type)")
                         .Attr("Toutputs: list(type)")
                         .ShapeRule(ParseExampleShape)
                         .Kernel(ParseExampleKernel));

}  // namespace
}  // namespace opbridge
