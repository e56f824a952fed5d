// What the tf.sets kernels share (TF: tensorflow/core/kernels/set_kernels.cc):
// DenseToDenseSetOperation, DenseToSparseSetOperation,
// SparseToSparseSetOperation and SetSize. A set is the values along the last
// dimension of a dense tensor, or the entries of a sparse tensor sharing
// their first rank-1 indices (a "group").
//
// How TF walks the inputs, which we follow step for step so that even inputs
// TF does not validate (validate_indices=false) give TF's outputs:
// - a sparse input's groups are runs of consecutive entries with equal group
//   indices, in entry order (unsorted input gives several runs of one group);
// - dense against sparse: the dense groups in row-major order; the next sparse
//   run is used when its group indices equal the dense group's, so a sparse
//   run out of order (or out of range) stops the sparse side for good;
// - sparse against sparse: a merge of the two run sequences, comparing group
//   indices lexicographically.
// Each used run is checked as TF's CheckGroup does (every dim > 0, every
// index below its dim; negative indices pass, as in TF).
//
// TF keeps each group's values in a hash set and the result in a btree_set,
// so a result set is sorted ascending (strings by bytes, unsigned, as
// tstring's operator<) without repeats. Here: a hash set of one side, the
// kept values of the other sorted and deduplicated (AddResult); the same sets
// in the same order, sorting only what is kept (sorting both sides of a
// [2048, 64] int64 intersection was 1.2x TF's time).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "opbridge/op.h"
#include "sparse_util.h"

namespace opbridge {
namespace sets {

enum class SetOp { kAMinusB, kBMinusA, kIntersection, kUnion };

// The set operation attrs (TF lowercases set_operation and refuses other
// names when the kernel is built).
struct SetOpParams {
  std::string set_operation;
  bool validate_indices = true;

  static void Declare(ParamBinder& b, SetOpParams& p) {
    b.Attr("set_operation: string", &p.set_operation);
    b.Attr("validate_indices: bool = true", &p.validate_indices);
  }

  std::string Lowered() const {
    std::string s = set_operation;
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  Status Validate() const {
    const std::string s = Lowered();
    OPBRIDGE_REQUIRE(s == "a-b" || s == "b-a" || s == "intersection" || s == "union", "Invalid set_operation ", s,
                     ".");
    return Status::Ok();
  }

  SetOp op() const {
    const std::string s = Lowered();
    if (s == "a-b") return SetOp::kAMinusB;
    if (s == "b-a") return SetOp::kBMinusA;
    if (s == "intersection") return SetOp::kIntersection;
    return SetOp::kUnion;
  }
};

// The outputs of every set op: indices [n, rank], values [n], shape [rank].
inline Status SetShapeRule(ShapeContext& ctx, const SetOpParams&) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

// A sparse set input, read and checked as TF's SparseTensorFromContext.
struct SparseSet {
  const int64_t* ix = nullptr;
  int64_t entries = 0;
  int rank = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> run_begin;  // runs of equal group indices, plus the end

  const int64_t* row(int64_t entry) const { return ix + entry * rank; }
};

// TF's checks in TF's order: the shape a vector of dims >= 0 whose product
// fits int64; rank >= 2; SparseTensor::Create; IndicesValid if asked.
inline Status ReadSparse(const KernelContext& ctx, int base, bool validate, SparseSet* out) {
  const ConstTensor& ix = ctx.input(base);
  const ConstTensor& vals = ctx.input(base + 1);
  const ConstTensor& shape_t = ctx.input(base + 2);
  OPBRIDGE_REQUIRE(shape_t.rank() == 1, "Shape must be a 1D tensor.");
  const int64_t* dims = shape_t.data<int64_t>();
  const int64_t rank = shape_t.dim(0);
  out->shape.assign(dims, dims + rank);
  OPBRIDGE_REQUIRE(rank <= 254, "Too many dimensions in tensor");
  int64_t product = 1;
  for (int64_t d = 0; d < rank; ++d) {
    OPBRIDGE_REQUIRE(dims[d] >= 0, "Expected shape dimensions to be non-negative, got ", dims[d]);
    OPBRIDGE_REQUIRE(dims[d] == 0 || product <= INT64_MAX / dims[d], "Encountered overflow when multiplying ",
                     product, " with ", dims[d], ", result: -1");
    product *= dims[d];
  }
  // TF records this and goes on; the first error is the one reported.
  OPBRIDGE_REQUIRE(rank >= 2, "Invalid rank ", rank, ".");
  OPBRIDGE_RETURN_IF_ERROR(sparse::CheckSparseTensor(ix, vals, rank));
  out->ix = ix.data<int64_t>();
  out->entries = ix.dim(0);
  out->rank = static_cast<int>(rank);
  if (validate) OPBRIDGE_RETURN_IF_ERROR(sparse::IndicesValid(out->ix, out->entries, out->rank, dims));
  out->run_begin.clear();
  const size_t group_bytes = static_cast<size_t>(rank - 1) * sizeof(int64_t);
  for (int64_t e = 0; e < out->entries; ++e) {
    if (e == 0 || std::memcmp(out->row(e), out->row(e - 1), group_bytes) != 0) out->run_begin.push_back(e);
  }
  out->run_begin.push_back(out->entries);
  return Status::Ok();
}

// TF's CheckGroup of the entries [begin, end) (internal errors in TF).
inline Status CheckRun(const SparseSet& s, int64_t begin, int64_t end) {
  for (int j = 0; j < s.rank; ++j) {
    const int64_t dim = s.shape[static_cast<size_t>(j)];
    OPBRIDGE_REQUIRE(dim > 0, "Invalid dim_size[", j, "] = ", dim, ".");
    for (int64_t i = begin; i < end; ++i) {
      const int64_t index = s.row(i)[j];
      OPBRIDGE_REQUIRE(dim > index, "indices[", i - begin, ", ", j, "] expected < ", dim, ", got ", index, ".");
    }
  }
  return Status::Ok();
}

// Run `run` of a sparse set, checked (CheckRun): its values, count and group key.
template <typename E>
Status TakeRun(const SparseSet& s, const E* values, size_t run, const E** set, int64_t* count, const int64_t** key) {
  const int64_t begin = s.run_begin[run], end = s.run_begin[run + 1];
  OPBRIDGE_RETURN_IF_ERROR(CheckRun(s, begin, end));
  *set = values + begin;
  *count = end - begin;
  *key = s.row(begin);
  return Status::Ok();
}

// The next group's indices in row-major order (all zeros after the last).
inline void NextGroupKey(const std::vector<int64_t>& group_shape, std::vector<int64_t>* key) {
  for (size_t d = group_shape.size(); d-- > 0;) {
    if (++(*key)[d] < group_shape[d]) return;
    (*key)[d] = 0;
  }
}

// "Shape [3] has rank 1 < 2", TF's GroupShape.
inline Status GroupShape(const std::vector<int64_t>& shape, std::vector<int64_t>* group) {
  OPBRIDGE_REQUIRE(shape.size() >= 2, "Shape [", sparse::JoinDims(shape.data(), static_cast<int64_t>(shape.size())),
                   "] has rank ", shape.size(), " < 2");
  group->assign(shape.begin(), shape.end() - 1);
  return Status::Ok();
}

inline Status GroupShapeFromInputs(const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                                   std::vector<int64_t>* group) {
  std::vector<int64_t> group_b;
  OPBRIDGE_RETURN_IF_ERROR(GroupShape(a, group));
  OPBRIDGE_RETURN_IF_ERROR(GroupShape(b, &group_b));
  OPBRIDGE_REQUIRE(*group == group_b, "Mismatched shapes [",
                   sparse::JoinDims(group->data(), static_cast<int64_t>(group->size())), "] vs [",
                   sparse::JoinDims(group_b.data(), static_cast<int64_t>(group_b.size())), "]");
  return Status::Ok();
}

inline std::vector<int64_t> DimsOf(const ConstTensor& t) {
  std::vector<int64_t> d(static_cast<size_t>(t.rank()));
  for (int i = 0; i < t.rank(); ++i) d[static_cast<size_t>(i)] = t.dim(i);
  return d;
}

// The result sets in output order: each group's indices, its values sorted.
template <typename E>
struct Results {
  int group_rank = 0;
  std::vector<int64_t> keys;   // group_rank per non-empty result
  std::vector<int64_t> sizes;  // one per non-empty result
  std::vector<E> values;
  int64_t max_size = 0;
};

// An open-addressing hash set for one group's values (slots reused from
// group to group): membership tests without sorting the other side.
template <typename E>
class GroupHash {
 public:
  void Reset(int64_t n) {
    size_t capacity = 16;
    while (capacity < 2 * static_cast<size_t>(n)) capacity <<= 1;
    if (slots_.size() < capacity) slots_.resize(capacity);
    used_.assign(capacity, 0);
    mask_ = capacity - 1;
    size_ = 0;
  }
  // True when v was not in the set yet.
  bool Insert(const E& v) {
    for (size_t i = Hash(v) & mask_;; i = (i + 1) & mask_) {
      if (!used_[i]) {
        used_[i] = 1;
        slots_[i] = v;
        ++size_;
        return true;
      }
      if (slots_[i] == v) return false;
    }
  }
  bool Contains(const E& v) const {
    for (size_t i = Hash(v) & mask_;; i = (i + 1) & mask_) {
      if (!used_[i]) return false;
      if (slots_[i] == v) return true;
    }
  }
  int64_t size() const { return size_; }

 private:
  static size_t Hash(const E& v) {
    if constexpr (std::is_same_v<E, std::string_view>) {
      return std::hash<std::string_view>()(v);
    } else {
      // Fibonacci hashing; the high bits are the well mixed ones.
      const uint64_t h = static_cast<uint64_t>(v) * 0x9E3779B97F4A7C15ull;
      return static_cast<size_t>(h >> 32);
    }
  }
  std::vector<E> slots_;
  std::vector<uint8_t> used_;
  size_t mask_ = 0;
  int64_t size_ = 0;
};

// Scratch one walk reuses for every group.
template <typename E>
struct Scratch {
  GroupHash<E> hash;
  std::vector<E> kept;
};

// Appends the sorted distinct values of op(a, b) to r under the group `key`.
// a-b, b-a and intersection keep values of one side that the other side's
// hash set has (or lacks), then sort and dedupe only those; union sorts both.
template <typename E>
void AddResult(SetOp op, const E* a, int64_t na, const E* b, int64_t nb, const int64_t* key, Scratch<E>* s,
               Results<E>* r) {
  std::vector<E>& kept = s->kept;
  kept.clear();
  if (op == SetOp::kUnion) {
    kept.assign(a, a + na);
    kept.insert(kept.end(), b, b + nb);
  } else {
    if (op == SetOp::kBMinusA) {
      std::swap(a, b);
      std::swap(na, nb);
    }
    const bool keep_members = op == SetOp::kIntersection;
    if (nb == 0) {
      if (!keep_members) kept.assign(a, a + na);
    } else if (na > 0) {
      s->hash.Reset(nb);
      for (int64_t i = 0; i < nb; ++i) s->hash.Insert(b[i]);
      for (int64_t i = 0; i < na; ++i) {
        if (s->hash.Contains(a[i]) == keep_members) kept.push_back(a[i]);
      }
    }
  }
  if (kept.empty()) return;
  std::sort(kept.begin(), kept.end());
  const auto end = std::unique(kept.begin(), kept.end());
  r->values.insert(r->values.end(), kept.begin(), end);
  const int64_t size = end - kept.begin();
  r->keys.insert(r->keys.end(), key, key + r->group_rank);
  r->sizes.push_back(size);
  r->max_size = std::max(r->max_size, size);
}

// Writes result_indices, result_values, result_shape (group shape + the
// largest set's size), as TF's OutputSparseTensor.
template <typename E>
Status WriteResults(KernelContext& ctx, const Results<E>& r, const std::vector<int64_t>& group_shape) {
  const int64_t n = static_cast<int64_t>(r.values.size());
  const int rank = r.group_rank + 1;
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({n, rank})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({rank})));
  int64_t* ix = ctx.output(0).data<int64_t>();
  E* values = ctx.output(1).data<E>();
  std::copy(r.values.begin(), r.values.end(), values);
  const int64_t* key = r.keys.data();
  for (const int64_t size : r.sizes) {
    for (int64_t k = 0; k < size; ++k) {
      std::copy(key, key + r.group_rank, ix);
      ix[r.group_rank] = k;
      ix += rank;
    }
    key += r.group_rank;
  }
  int64_t* shape = ctx.output(2).data<int64_t>();
  std::copy(group_shape.begin(), group_shape.end(), shape);
  shape[r.group_rank] = r.max_size;
  return Status::Ok();
}

// fn(TypeTag<E>) for T's element type (strings as views, which outputs point
// into the inputs' bytes).
template <typename Fn>
Status DispatchSetType(DType dtype, Fn&& fn) {
  if (dtype == DType::kString) return fn(TypeTag<std::string_view>{});
  return Dispatch<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t>(dtype, fn);
}

inline constexpr const char* kSetTypes = "T: {int8, int16, int32, int64, uint8, uint16, string}";

}  // namespace sets
}  // namespace opbridge
