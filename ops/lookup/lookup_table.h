// TF's hash tables as opbridge resources, shared by the lookup ops
// (HashTableV2, MutableHashTableV2 create them; LookupTableImportV2,
// LookupTableInsertV2, LookupTableFindV2, LookupTableSizeV2 use them).
//
// Semantics follow TF's kernels (TF: tensorflow/core/kernels/lookup_table_op.{h,cc},
// initializable_lookup_table.cc), checked against TF 2.21 by
// tests/test_lookup_tables.py:
// - HashTable (an initializable table): Find and Import before a successful
//   import: "Table not initialized."; Size is 0 until then. Import refuses
//   empty keys, a values shape other than the keys', and a key given twice
//   with different values (NaN included: TF compares with !=); an import into
//   an initialized table is a no-op if it has as many keys as the table has
//   entries, else "Table was already initialized with different data.".
//   Find's default_value is a scalar or has the keys' shape; TF's HashTable
//   reads only its first element either way.
// - MutableHashTable: Insert overwrites (later keys of one call win), Import
//   replaces the contents, Find returns the default for missing keys, taking
//   a full-shape default element by element.
// Only scalar keys and values (TF's MutableHashTableOfTensors is another op).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "flat_map.h"
#include "opbridge/op.h"
#include "opbridge/resource.h"

namespace opbridge {
namespace lookup {

// The attrs HashTableV2 and MutableHashTableV2 share.
struct TableParams {
  std::string container;
  std::string shared_name;
  bool use_node_name_sharing = false;
  DType key_dtype = DType::kInvalid;
  DType value_dtype = DType::kInvalid;

  static void Declare(ParamBinder& b, TableParams& p) {
    b.Attr("container: string = ''", &p.container);
    b.Attr("shared_name: string = ''", &p.shared_name);
    b.Attr("use_node_name_sharing: bool = false", &p.use_node_name_sharing);
    b.Attr("key_dtype: type", &p.key_dtype);
    b.Attr("value_dtype: type", &p.value_dtype);
  }
};

class LookupTable : public Resource {
 public:
  LookupTable(DType key_dtype, DType value_dtype, bool is_mutable)
      : key_dtype_(key_dtype), value_dtype_(value_dtype), mutable_(is_mutable) {}

  DType key_dtype() const { return key_dtype_; }
  DType value_dtype() const { return value_dtype_; }
  bool is_mutable() const { return mutable_; }
  std::string Describe() const override {
    return StrCat("a ", mutable_ ? "MutableHashTable" : "HashTable", " of ", DTypeName(key_dtype_), " to ",
                  DTypeName(value_dtype_));
  }

  virtual int64_t Size() const = 0;
  // The argument tensors are checked against the table (CheckFind, CheckPairs) first.
  virtual Status Find(const ConstTensor& keys, const ConstTensor& default_value, const Tensor& out) const = 0;
  virtual Status Import(const ConstTensor& keys, const ConstTensor& values) = 0;
  virtual Status Insert(const ConstTensor& keys, const ConstTensor& values) = 0;

  // TF's MatchSignature, in words: the tensors' dtypes must be the table's.
  Status CheckDTypes(const ConstTensor& keys, const char* keys_name, const ConstTensor* values,
                     const char* values_name) const {
    OPBRIDGE_REQUIRE(keys.dtype() == key_dtype_, "input '", keys_name, "' is ", DTypeName(keys.dtype()),
                     " but the table is ", Describe());
    if (values != nullptr) {
      OPBRIDGE_REQUIRE(values->dtype() == value_dtype_, "input '", values_name, "' is ",
                       DTypeName(values->dtype()), " but the table is ", Describe());
    }
    return Status::Ok();
  }
  // Import/Insert: values have the keys' shape (scalar values).
  Status CheckPairs(const ConstTensor& keys, const ConstTensor& values) const {
    OPBRIDGE_RETURN_IF_ERROR(CheckDTypes(keys, "keys", &values, "values"));
    OPBRIDGE_REQUIRE(keys.shape().dims() == values.shape().dims(), "Expected shape ", keys.shape().ToString(),
                     " for value, got ", values.shape().ToString());
    return Status::Ok();
  }
  Status CheckFind(const ConstTensor& keys, const ConstTensor& default_value) const {
    OPBRIDGE_RETURN_IF_ERROR(CheckDTypes(keys, "keys", &default_value, "default_value"));
    OPBRIDGE_REQUIRE(default_value.rank() == 0 || default_value.shape().dims() == keys.shape().dims(),
                     "Expected shape [] or ", keys.shape().ToString(), " for default value, got ",
                     default_value.shape().ToString());
    return Status::Ok();
  }

 private:
  DType key_dtype_, value_dtype_;
  bool mutable_;
};

// Element access: strings are stored as std::string, read as views and
// written as adapter-owned std::strings.
template <typename T>
struct Access {
  using In = T;
  // Element i of a tensor, by memcpy: keys and values often come from a
  // model's constant buffers, which are only 4-byte aligned (int64, double).
  static T At(const In* p, int64_t i) {
    T v;
    std::memcpy(&v, reinterpret_cast<const char*>(p) + static_cast<size_t>(i) * sizeof(T), sizeof(T));
    return v;
  }
  static T View(const In* p, int64_t i) { return At(p, i); }
};
template <>
struct Access<std::string> {
  using In = std::string_view;
  static std::string At(const In* p, int64_t i) { return std::string(p[i]); }
  static std::string_view View(const In* p, int64_t i) { return p[i]; }  // a key to find: no copy
};

template <typename K, typename V>
class TableOf final : public LookupTable {
 public:
  using LookupTable::LookupTable;

  int64_t Size() const override {
    if (!is_mutable() && !initialized_) return 0;
    return static_cast<int64_t>(map_.size());
  }

  Status Find(const ConstTensor& keys, const ConstTensor& default_value, const Tensor& out) const override {
    OPBRIDGE_REQUIRE(is_mutable() || initialized_, "Table not initialized.");
    const int64_t n = keys.num_elements();
    if (n == 0) return Status::Ok();
    const auto* in = keys.data<typename Access<K>::In>();
    const auto* defaults = default_value.data<typename Access<V>::In>();
    // TF's HashTable reads only the first default; its mutable tables take a
    // full-shape default element by element.
    const bool per_element = is_mutable() && default_value.rank() != 0;
    V* result = out.data<V>();
    const V shared_default = Access<V>::At(defaults, 0);
    // Hashes run kAhead keys ahead of the finds, each prefetching its slot.
    constexpr int64_t kAhead = 16;
    uint64_t hashes[kAhead];
    for (int64_t i = 0; i < std::min(n, kAhead); ++i) {
      hashes[i] = map_.Hash(Access<K>::View(in, i));
      map_.Prefetch(hashes[i]);
    }
    for (int64_t i = 0; i < n; ++i) {
      const uint64_t h = hashes[i % kAhead];
      if (i + kAhead < n) {
        hashes[i % kAhead] = map_.Hash(Access<K>::View(in, i + kAhead));
        map_.Prefetch(hashes[i % kAhead]);
      }
      // A single default is found like a value (no branch on found or missing).
      const V* found = map_.FindOr(Access<K>::View(in, i), h, per_element ? nullptr : &shared_default);
      if (found != nullptr) {
        result[i] = *found;
      } else {
        result[i] = Access<V>::At(defaults, i);
      }
    }
    return Status::Ok();
  }

  Status Import(const ConstTensor& keys, const ConstTensor& values) override {
    if (is_mutable()) {
      map_.clear();
      return Insert(keys, values);
    }
    const int64_t n = keys.num_elements();
    if (initialized_) {
      // TF compares only the sizes (InitializableLookupTable::AreEntriesSame).
      OPBRIDGE_REQUIRE(n == static_cast<int64_t>(map_.size()), "Table was already initialized with different data.");
      return Status::Ok();
    }
    OPBRIDGE_REQUIRE(n > 0, "keys and values cannot be empty tensors.");
    const auto* k = keys.data<typename Access<K>::In>();
    const auto* v = values.data<typename Access<V>::In>();
    for (int64_t i = 0; i < n; ++i) {
      auto [stored, inserted] = map_.Emplace(Access<K>::View(k, i), Access<V>::At(v, i));
      // As TF's HashTable::DoInsert: a failed import leaves the table
      // uninitialized with the entries inserted so far.
      if (!inserted && *stored != Access<V>::At(v, i)) {
        return Errorf("HashTable has different value for same key. Key ", Printable(Access<K>::At(k, i)), " has ",
                      Printable(*stored), " and trying to add value ", Printable(Access<V>::At(v, i)));
      }
    }
    initialized_ = true;
    return Status::Ok();
  }

  // For kernels that look keys up one at a time from C++ (tensorflow-text's
  // WordpieceTokenizeWithOffsets reads its vocabulary table so): whether a
  // Find would run (a HashTable must have been imported), and one key's value
  // (null when the key is missing), without Find's tensors.
  bool Readable() const { return is_mutable() || initialized_; }
  const V* FindOne(typename FlatMap<K, V>::View key) const { return map_.Find(key); }

  Status Insert(const ConstTensor& keys, const ConstTensor& values) override {
    OPBRIDGE_REQUIRE(is_mutable(), "Insert not supported by InitializableLookupTable implementations");
    const int64_t n = keys.num_elements();
    const auto* k = keys.data<typename Access<K>::In>();
    const auto* v = values.data<typename Access<V>::In>();
    for (int64_t i = 0; i < n; ++i) map_.Assign(Access<K>::View(k, i), Access<V>::At(v, i));
    return Status::Ok();
  }

 private:
  template <typename T>
  static auto Printable(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      return v ? "true" : "false";
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<int64_t>(v);
    } else {
      return v;
    }
  }

  FlatMap<K, V> map_;
  bool initialized_ = false;
};

// The key/value pairs TF registers (lookup_table_op.cc): HashTableV2 15,
// MutableHashTableV2 13 (its int64 -> variant is not supported here).
inline bool Registered(DType key, DType value, bool is_mutable) {
  using D = DType;
  switch (key) {
    case D::kInt32:
      return value == D::kFloat64 || value == D::kFloat32 || value == D::kInt32 ||
             (!is_mutable && value == D::kString);
    case D::kInt64:
      return value == D::kFloat64 || value == D::kFloat32 || value == D::kInt32 || value == D::kInt64 ||
             value == D::kString;
    case D::kString:
      return value == D::kBool || value == D::kFloat64 || value == D::kFloat32 || value == D::kInt32 ||
             value == D::kInt64 || (!is_mutable && value == D::kString);
    default:
      return false;
  }
}

template <typename Fn>
Status DispatchTableType(DType dtype, const char* what, Fn&& fn, bool allow_bool) {
  switch (dtype) {
    case DType::kInt32: return fn(TypeTag<int32_t>{});
    case DType::kInt64: return fn(TypeTag<int64_t>{});
    case DType::kFloat32: return fn(TypeTag<float>{});
    case DType::kFloat64: return fn(TypeTag<double>{});
    case DType::kString: return fn(TypeTag<std::string>{});
    case DType::kBool:
      if (allow_bool) return fn(TypeTag<bool>{});
      break;
    default:
      break;
  }
  return Errorf("no table with ", what, " of type ", DTypeName(dtype));
}

inline Status MakeTable(DType key, DType value, bool is_mutable, std::unique_ptr<LookupTable>* out) {
  OPBRIDGE_REQUIRE(Registered(key, value, is_mutable), "TF has no ", is_mutable ? "MutableHashTable" : "HashTable",
                   " of ", DTypeName(key), " to ", DTypeName(value));
  return DispatchTableType(
      key, "keys",
      [&](auto key_tag) {
        using K = typename decltype(key_tag)::type;
        if constexpr (std::is_same_v<K, float> || std::is_same_v<K, double>) {
          return Errorf("no table with float keys");  // unreachable: Registered refuses them
        } else {
          return DispatchTableType(
              value, "values",
              [&](auto value_tag) {
                using V = typename decltype(value_tag)::type;
                *out = std::make_unique<TableOf<K, V>>(key, value, is_mutable);
                return Status::Ok();
              },
              true);
        }
      },
      false);
}

// The name a creating op shares its table under. TF shares by (container,
// shared_name); an empty shared_name gives each node its own table (TF names
// it after the kernel instance, or the node with use_node_name_sharing; TFLite
// keeps no node names, so both are private to the node here).
inline std::string TableName(const TableParams& p) {
  if (p.shared_name.empty()) return StrCat('\0', "node@", static_cast<const void*>(&p));
  return StrCat(p.container, '\0', p.shared_name);
}

// Finds or creates the table a HashTableV2/MutableHashTableV2 node names and
// writes its handle. TF refuses a table of that name with other dtypes
// ("Conflicting key/value dtypes").
inline Status CreateTableKernel(KernelContext& ctx, const TableParams& p, bool is_mutable) {
  ResourceStore* store = ctx.resources();
  OPBRIDGE_REQUIRE(store != nullptr, "this runtime gives opbridge no resource store");
  int32_t id = 0;
  LookupTable* table = nullptr;
  const std::string name = TableName(p);
  OPBRIDGE_RETURN_IF_ERROR(store->FindOrCreate<LookupTable>(
      name,
      [&](std::unique_ptr<LookupTable>* made) { return MakeTable(p.key_dtype, p.value_dtype, is_mutable, made); },
      &id, &table));
  OPBRIDGE_REQUIRE(table->key_dtype() == p.key_dtype && table->value_dtype() == p.value_dtype &&
                       table->is_mutable() == is_mutable,
                   "table '", p.shared_name, "' is ", table->Describe(), ", not ",
                   is_mutable ? "a MutableHashTable" : "a HashTable", " of ", DTypeName(p.key_dtype), " to ",
                   DTypeName(p.value_dtype));
  ResourceStore::WriteHandle(ctx.output(0), id);
  return Status::Ok();
}

inline Status ScalarHandleShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape());
  return Status::Ok();
}

// The table a using op's input 0 names.
inline Status InputTable(KernelContext& ctx, LookupTable** table) {
  ResourceStore* store = ctx.resources();
  OPBRIDGE_REQUIRE(store != nullptr, "this runtime gives opbridge no resource store");
  return store->Find<LookupTable>(ctx.input(0), "table_handle", "a lookup table", table);
}

}  // namespace lookup
}  // namespace opbridge
