// NthElement: TF's tf.raw_ops.NthElement (tf.contrib's nth_element). TFLite
// has no kernel, so the converter emits CUSTOM "NthElement" with options
// {T, reverse}; n is an int32 input tensor.
//
//   input [..., k], n -> output [...]: the value each row of the last dim
//   would hold at index n once sorted ascending (reverse: descending).
//
// As TF's CPU kernel (nth_element_op.cc): n is a scalar, 0 <= n < k, checked
// with TF's texts; reverse reads index k - 1 - n of the ascending order; each
// row is copied and std::nth_element (operator<) picks the value, so ties
// are plain equal values and NaN rows give what libstdc++'s introselect
// gives TF (the same code over the same comparisons). float and double rows
// without NaN take faster selections with the same answers (below).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct NthElementParams {
  bool reverse = false;
  static void Declare(ParamBinder& b, NthElementParams& p) { b.Attr("reverse: bool = false", &p.reverse); }
};

// TF's shape function: input of rank >= 1, n a scalar; the output drops the
// last dim. A constant n is checked against the last dim as TF's does.
Status NthElementShape(ShapeContext& ctx, const NthElementParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  if (const ConstTensor* n = ctx.input_value(1); n != nullptr && n->num_elements() == 1) {
    const int32_t v = n->data<int32_t>()[0];
    OPBRIDGE_REQUIRE(v >= 0, "n must be non-negative but is ", v);
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-1) > v, "Input must have last dimension > n = ", v);
  }
  ctx.set_output(0, in.Slice(0, in.rank() - 1));
  return Status::Ok();
}

// TF's way for one row: a copy and libstdc++'s introselect.
template <typename T>
T Introselect(const T* row, int64_t k, int64_t n, std::vector<T>* buf) {
  buf->assign(row, row + k);
  std::nth_element(buf->begin(), buf->begin() + n, buf->end());
  return (*buf)[static_cast<size_t>(n)];
}

// Faster selections for float and double rows. Without NaN, the value at
// index n of the sorted row is the same whichever algorithm finds it, and
// equal values have the same bits but for the two zeros, which operator<
// calls equal and introselect picks between as its swaps fall. So a row
// with a NaN, or whose answer is a zero, takes introselect; the others
// count (short rows) or select by radix (long rows).
template <typename T>
using KeyBits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;

// The float's bits as an unsigned key in the float's order (-0 below +0).
template <typename U>
U SortableKey(U bits) {
  constexpr U kSign = U(1) << (sizeof(U) * 8 - 1);
  return (bits & kSign) != 0 ? ~bits : (bits | kSign);
}

template <typename U>
U FromSortableKey(U key) {
  constexpr U kSign = U(1) << (sizeof(U) * 8 - 1);
  return (key & kSign) != 0 ? (key ^ kSign) : ~key;
}

// The n-th smallest of keys[0, count), most significant byte first: each
// pass keeps the keys whose byte is the one the rank falls in (in place).
template <typename U>
U RadixSelect(U* keys, int64_t count, int64_t n) {
  for (int shift = static_cast<int>(sizeof(U) * 8) - 8;; shift -= 8) {
    if (count <= 32) {
      std::nth_element(keys, keys + n, keys + count);
      return keys[n];
    }
    int64_t histogram[256] = {};
    for (int64_t i = 0; i < count; ++i) ++histogram[(keys[i] >> shift) & 0xff];
    unsigned digit = 0;
    while (n >= histogram[digit]) n -= histogram[digit++];
    int64_t kept = 0;
    for (int64_t i = 0; i < count; ++i) {
      if (((keys[i] >> shift) & 0xff) == digit) keys[kept++] = keys[i];
    }
    count = kept;
    if (shift == 0) return keys[n];  // every key left is the same
  }
}

// Rows of at most this many values are ranked by counting (k^2 compares, no
// copy); longer ones by radix.
constexpr int64_t kCountingMaxRow = 24;

// false: the row has a NaN or its answer is a zero (introselect decides).
template <typename T>
bool SelectWithoutNan(const T* row, int64_t k, int64_t n, std::vector<KeyBits<T>>* keys, T* value) {
  using U = KeyBits<T>;
  if (k <= kCountingMaxRow) {
    for (int64_t i = 0; i < k; ++i) {
      if (row[i] != row[i]) return false;
    }
    for (int64_t i = 0; i < k; ++i) {
      int64_t below = 0, at_most = 0;
      for (int64_t j = 0; j < k; ++j) {
        below += row[j] < row[i];
        at_most += row[j] <= row[i];
      }
      if (below <= n && n < at_most) {
        *value = row[i];
        return row[i] != T(0);
      }
    }
    return false;  // unreachable without NaN
  }
  keys->resize(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) {
    if (row[i] != row[i]) return false;
    U bits;
    std::memcpy(&bits, row + i, sizeof bits);
    (*keys)[static_cast<size_t>(i)] = SortableKey(bits);
  }
  const U bits = FromSortableKey(RadixSelect(keys->data(), k, n));
  std::memcpy(value, &bits, sizeof bits);
  return *value != T(0);
}

Status NthElementKernel(KernelContext& ctx, const NthElementParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& n_t = ctx.input(1);
  OPBRIDGE_REQUIRE(n_t.rank() == 0, "N must be scalar but has rank ", n_t.rank());
  int64_t n = n_t.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(n >= 0, "n must be non-negative but is ", n);
  OPBRIDGE_REQUIRE(input.rank() >= 1, "Input must be at least rank 1 but is rank ", input.rank());
  const int64_t k = input.dim(-1);
  OPBRIDGE_REQUIRE(k > n, "Input must have last dimension > n = ", n);
  if (p.reverse) n = k - n - 1;
  const int64_t rows = input.num_elements() / k;
  return math::DispatchRealNumber(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = input.data<T>();
    T* out = ctx.output(0).data<T>();
    ctx.ParallelFor(rows, 20 * k, [&](int64_t begin, int64_t end) {
      std::vector<T> buf;
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        std::vector<KeyBits<T>> keys;
        for (int64_t r = begin; r < end; ++r) {
          if (!SelectWithoutNan(in + r * k, k, n, &keys, &out[r])) out[r] = Introselect(in + r * k, k, n, &buf);
        }
      } else {
        for (int64_t r = begin; r < end; ++r) out[r] = Introselect(in + r * k, k, n, &buf);
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("NthElement")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The n-th smallest (reverse: largest) value of each row of the last dim.")
                         .Input("input: T")
                         .Input("n: int32")
                         .Output("values: T")
                         .Params<NthElementParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
                               "uint32, uint64}")
                         .ShapeRule(NthElementShape)
                         .Kernel(NthElementKernel));

}  // namespace
}  // namespace opbridge
