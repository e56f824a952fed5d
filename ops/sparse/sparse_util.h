// What the tf.sparse kernels share: TF's shape text, moving values of any
// dtype without knowing it (a SparseTensor's values only move in most of
// these ops), TF's SparseTensor checks (SparseTensor::Create,
// IndicesValid) and its Reorder (std::sort of the entry positions with TF's
// comparator: libstdc++'s introsort, as in TF's build, so repeated indices
// come out in TF's order too) and group walk.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace sparse {

// "[2,3]", as TF's TensorShape::DebugString.
inline std::string ShapeText(const Shape& s) {
  std::string out = "[";
  for (int d = 0; d < s.rank(); ++d) out += (d ? "," : "") + std::to_string(s.dim(d));
  return out + "]";
}

// "2,3" (absl::StrJoin of a shape).
inline std::string JoinDims(const int64_t* dims, int64_t n, const char* sep = ",") {
  std::string out;
  for (int64_t d = 0; d < n; ++d) out += (d ? sep : "") + std::to_string(dims[d]);
  return out;
}

// An element of 16 bytes (complex128) moved as a whole.
struct Bytes16 {
  uint64_t lo, hi;
};

// fn(TypeTag<E>) with E a type of the element's size: values are only moved
// (strings as views, which the adapter copies once).
template <typename Fn>
Status DispatchMove(DType dtype, Fn&& fn) {
  if (dtype == DType::kString) return fn(TypeTag<std::string_view>{});
  switch (DTypeSize(dtype)) {
    case 1: return fn(TypeTag<uint8_t>{});
    case 2: return fn(TypeTag<uint16_t>{});
    case 4: return fn(TypeTag<uint32_t>{});
    case 8: return fn(TypeTag<uint64_t>{});
    case 16: return fn(TypeTag<Bytes16>{});
    default: return Errorf("values of dtype ", DTypeName(dtype), " are not supported");
  }
}

// A string output's views are set through data<std::string_view>(), any
// other output through data<E>().
template <typename E>
E* OutData(const Tensor& t) {
  return t.data<E>();
}

// int64 products and sums that wrap as TF's do in practice, without C++'s
// undefined behaviour (indices and shapes are data: a hostile model's too).
inline int64_t WrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
inline int64_t WrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// Reads an int32 or int64 tensor as int64.
inline std::vector<int64_t> ReadInt64s(const ConstTensor& t) {
  std::vector<int64_t> out(static_cast<size_t>(t.num_elements()));
  if (t.dtype() == DType::kInt32) {
    const int32_t* v = t.data<int32_t>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = v[i];
  } else if (!out.empty()) {
    std::memcpy(out.data(), t.data<int64_t>(), out.size() * sizeof(int64_t));
  }
  return out;
}

// TF's sparse_utils::ValidateSparseTensor shape checks (the kernels that
// use it with IndexValidation::kNone: SparseSlice, SparseReorder).
inline Status ValidateSparseShapes(const ConstTensor& indices, const ConstTensor& values, const ConstTensor& shape) {
  OPBRIDGE_REQUIRE(indices.rank() == 2, "Sparse indices must be rank 2 but is rank ", indices.rank());
  OPBRIDGE_REQUIRE(values.rank() == 1, "Sparse values must be rank 1 but is rank ", values.rank());
  OPBRIDGE_REQUIRE(shape.rank() == 1, "Sparse shape must be rank 1 but is rank ", shape.rank());
  OPBRIDGE_REQUIRE(values.dim(0) == indices.dim(0), "Number of elements in indices (", indices.dim(0),
                   ") and values (", values.dim(0), ") do not match");
  OPBRIDGE_REQUIRE(shape.num_elements() == indices.dim(1), "Index rank (", indices.dim(1), ") and shape rank (",
                   shape.num_elements(), ") do not match");
  return Status::Ok();
}

// TF's SparseTensor::Create checks (indices int64 already by the op's
// declaration): values a vector of indices' rows, indices a matrix, the
// shape's length its columns.
inline Status CheckSparseTensor(const ConstTensor& ix, const ConstTensor& vals, int64_t shape_size) {
  OPBRIDGE_REQUIRE(vals.rank() == 1, "vals must be a vec, but got: ", ShapeText(vals.shape()));
  const int64_t rows = ix.rank() >= 1 ? ix.dim(0) : 1;
  OPBRIDGE_REQUIRE(rows == vals.dim(0), "indices and values rows (indexing dimension) must match. (indices = ", rows,
                   ", values = ", vals.dim(0), ")");
  OPBRIDGE_REQUIRE(ix.rank() == 2, "indices must be a matrix, but got: ", ShapeText(ix.shape()));
  OPBRIDGE_REQUIRE(shape_size == ix.dim(1), "Order length must be SparseTensor rank.");
  return Status::Ok();
}

// TF's SparseTensor::IndicesValid in the standard order: each index inside
// the shape and after the one before it, with TF's texts.
inline Status IndicesValid(const int64_t* ix, int64_t n, int dims, const int64_t* shape) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t* row = ix + i * dims;
    bool valid = true, different = i == 0, increasing = true;
    for (int d = 0; d < dims; ++d) {
      if (row[d] < 0 || row[d] >= shape[d]) valid = false;
      if (i > 0) {
        // Compared, not subtracted as TF does: a hostile -2^63 index would overflow.
        const int64_t previous = row[d - dims];
        if (row[d] > previous) different = true;
        if (!different && row[d] < previous) increasing = false;
      }
    }
    if (valid && increasing && different) continue;
    std::string index = StrCat("indices[", i, "] = [", JoinDims(row, dims), "]");
    OPBRIDGE_REQUIRE(valid, index, " is out of bounds: need 0 <= index < [", JoinDims(shape, dims), "]");
    OPBRIDGE_REQUIRE(increasing, index,
                     " is out of order. Many sparse ops require sorted indices.\n    Use `tf.sparse.reorder` to "
                     "create a correctly ordered copy.\n\n");
    return Errorf(index, " is repeated");
  }
  return Status::Ok();
}

// TF's SparseTensor::Reorder(order): the entry positions sorted by their
// indices along `order` (std::sort, not stable, exactly as TF calls it), so
// out[k] = in[perm[k]].
inline std::vector<int64_t> ReorderPermutation(const int64_t* ix, int64_t n, int dims, const std::vector<int>& order) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    const int64_t* ra = ix + a * dims;
    const int64_t* rb = ix + b * dims;
    for (int d : order) {
      if (ra[d] < rb[d]) return true;
      if (ra[d] > rb[d]) return false;
    }
    return false;
  });
  return perm;
}

// True when the permutation is the identity (the input was in order).
inline bool IsIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

}  // namespace sparse
}  // namespace opbridge
