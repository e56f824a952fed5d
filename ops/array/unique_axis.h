// What UniqueV2 and UniqueWithCountsV2 (tf.raw_ops; tf.unique's V2 forms with
// an axis input) share: the unique slices of x along an axis, in order of
// first occurrence, and each slice's index among them.
//
// TF (unique_op.cc, measured against TF 2.21) views x as [outer, n, inner]
// around the axis. When outer and inner are both 1 it keeps single elements
// in Unique's hash map: Unique's equality (first_seen.h: float/double -0.0 and
// 0.0 one value, half and bfloat16 by their bits, NaN never equal). Otherwise
// it compares slices element by element with `!=` under a hash that sends
// equal values together: every floating type (half and bfloat16 included)
// compares as numbers (-0 == +0, a NaN makes a slice unequal to every other),
// integers and bools by value, strings by bytes; slices of no elements (inner
// or outer 0) are all one slice. One exception we do not follow: TF hashes
// half and bfloat16 by their bits while comparing them as numbers, so slices
// that differ only in the sign of a zero merge or not depending on its hash
// table's layout (measured: a -0 in a slice's first element keeps it apart,
// in later ones it usually merges); here they always merge.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "first_seen.h"
#include "index_vector.h"

namespace opbridge {
namespace unique {

// One element of a slice: equality and a hash consistent with it.
template <typename T>
struct SliceElement {
  static bool Equal(const T& a, const T& b) { return a == b; }
  static uint64_t Hash(const T& v) {
    if constexpr (std::is_floating_point_v<T>) {
      const T k = v == T(0) ? T(0) : v;  // -0 and +0 hash together
      uint64_t bits = 0;
      std::memcpy(&bits, &k, sizeof k);
      return bits;
    } else if constexpr (std::is_same_v<T, std::string_view>) {
      return std::hash<std::string_view>()(v);
    } else {
      return static_cast<uint64_t>(v);
    }
  }
};
// half (10 mantissa bits) and bfloat16 (7) by their bits: the values are equal
// when the bits are, or both are zeros, and neither is NaN.
template <int MantissaBits>
struct SliceElement<Float16<MantissaBits>> {
  static bool Equal(Float16<MantissaBits> a, Float16<MantissaBits> b) {
    if (IsNaN16<MantissaBits>(a.bits) || IsNaN16<MantissaBits>(b.bits)) return false;
    return a.bits == b.bits || ((a.bits | b.bits) & 0x7fff) == 0;
  }
  static uint64_t Hash(Float16<MantissaBits> v) { return (v.bits & 0x7fff) == 0 ? 0 : v.bits; }
};

template <typename T, typename In>
T KeyOf(const In& v) {
  if constexpr (std::is_same_v<T, In>) {
    return v;
  } else {
    T k;
    std::memcpy(&k, &v, sizeof k);
    return k;
  }
}

// x viewed as [outer, n, inner]: idx[i] (i < n) gets slice i's index among the
// unique slices; returns the position in [0, n) of each unique slice's first
// occurrence, in order.
template <typename T, typename Index, typename In>
std::vector<int64_t> UniqueSlices(const In* x, int64_t outer, int64_t n, int64_t inner, Index* idx) {
  std::vector<int64_t> first;
  if (outer == 1 && inner == 1) {  // TF's single-element map
    FirstSeen<T, Index> seen(n);
    for (int64_t i = 0; i < n; ++i) {
      const auto [index, inserted] = seen.Insert(KeyOf<T>(x[i]), static_cast<Index>(first.size()));
      if (inserted) first.push_back(i);
      idx[i] = index;
    }
    return first;
  }
  using E = SliceElement<T>;
  const auto at = [&](int64_t o, int64_t i, int64_t j) { return KeyOf<T>(x[(o * n + i) * inner + j]); };
  std::unordered_map<uint64_t, std::vector<Index>> by_hash;  // hash -> indices of unique slices
  by_hash.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint64_t h = 0;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t j = 0; j < inner; ++j) h = h * 0x9E3779B97F4A7C15ull + E::Hash(at(o, i, j)) + 0x632BE59BD9B4E019ull;
    }
    std::vector<Index>& candidates = by_hash[h];
    Index found = -1;
    for (const Index u : candidates) {
      const int64_t f = first[static_cast<size_t>(u)];
      bool equal = true;
      for (int64_t o = 0; o < outer && equal; ++o) {
        for (int64_t j = 0; j < inner && equal; ++j) equal = E::Equal(at(o, f, j), at(o, i, j));
      }
      if (equal) {
        found = u;
        break;
      }
    }
    if (found < 0) {
      found = static_cast<Index>(first.size());
      candidates.push_back(found);
      first.push_back(i);
    }
    idx[i] = found;
  }
  return first;
}

// TF's axis checks (axis: int32 or int64, [] or [a]) and x's [outer, n, inner].
inline Status AxisView(const ConstTensor& x, const ConstTensor& axis, int* at, int64_t* outer, int64_t* n,
                       int64_t* inner) {
  OPBRIDGE_REQUIRE(axis.rank() == 1, "axis expects a 1D vector.");
  OPBRIDGE_REQUIRE(axis.num_elements() <= 1, "axis does not support input tensors larger than 1 elements");
  *outer = *inner = 1;
  if (axis.num_elements() == 0) {
    OPBRIDGE_REQUIRE(x.rank() == 1, "unique expects a 1D vector.");
    *n = x.num_elements();
    *at = 0;
    return Status::Ok();
  }
  int64_t a = axis.dtype() == DType::kInt64 ? axis.data<int64_t>()[0] : axis.data<int32_t>()[0];
  if (a < 0) a += x.rank();
  OPBRIDGE_REQUIRE(a >= 0 && a < x.rank(), "axis has to be between [0, ", x.rank(), ")");
  for (int d = 0; d < x.rank(); ++d) {
    if (d < a) *outer *= x.dim(d);
    if (d > a) *inner *= x.dim(d);
  }
  *at = static_cast<int>(a);
  *n = x.dim(*at);
  return Status::Ok();
}

// y: the unique slices, x's shape with the axis' dim the number of them.
template <typename In>
void CopySlices(const In* x, int64_t outer, int64_t n, int64_t inner, const std::vector<int64_t>& first, In* y) {
  const auto count = static_cast<int64_t>(first.size());
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t u = 0; u < count; ++u) {
      const In* src = x + (o * n + first[static_cast<size_t>(u)]) * inner;
      std::copy(src, src + inner, y + (o * count + u) * inner);
    }
  }
}

// fn(type tag of first_seen.h's key T, element type In) for x's dtype.
template <typename Fn>
Status DispatchUnique(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kString:
      return fn(TypeTag<std::string_view>{}, TypeTag<std::string_view>{});
    case DType::kFloat16:
      return fn(TypeTag<Float16<10>>{}, TypeTag<uint16_t>{});
    case DType::kBFloat16:
      return fn(TypeTag<Float16<7>>{}, TypeTag<uint16_t>{});
    default:
      return Dispatch<float, double, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, bool>(
          dtype, [&](auto tag) { return fn(tag, tag); });
  }
}

// The V2 ops' shape rule: y and count sized at run time, idx [x's axis dim].
inline Status AxisShape(ShapeContext& ctx, bool counts) {
  ctx.set_output(0, ctx.input(0).rank_known() ? Shape(std::vector<int64_t>(
                                                    static_cast<size_t>(ctx.input(0).rank()), kUnknownDim))
                                              : Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape({kUnknownDim}));
  ctx.set_output_dynamic(1);
  if (counts) {
    ctx.set_output(2, Shape({kUnknownDim}));
    ctx.set_output_dynamic(2);
  }
  return Status::Ok();
}

// The V2 kernels: y, idx and (kCounts) count.
template <bool kCounts>
Status AxisKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  int at = 0;
  int64_t outer = 1, n = 0, inner = 1;
  OPBRIDGE_RETURN_IF_ERROR(AxisView(x, ctx.input(1), &at, &outer, &n, &inner));
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(), [&](auto index_tag) {
    using Index = typename decltype(index_tag)::type;
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({n})));
    Index* idx = ctx.output(1).data<Index>();
    return DispatchUnique(x.dtype(), [&](auto key_tag, auto in_tag) {
      using T = typename decltype(key_tag)::type;
      using In = typename decltype(in_tag)::type;
      const In* in = x.data<In>();
      const std::vector<int64_t> first = UniqueSlices<T, Index>(in, outer, n, inner, idx);
      const auto count = static_cast<int64_t>(first.size());
      std::vector<int64_t> dims = x.shape().dims();
      dims[static_cast<size_t>(at)] = count;
      OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(std::move(dims))));
      CopySlices(in, outer, n, inner, first, ctx.output(0).data<In>());
      if constexpr (kCounts) {
        OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({count})));
        Index* counts = ctx.output(2).data<Index>();
        std::fill(counts, counts + count, Index(0));
        for (int64_t i = 0; i < n; ++i) ++counts[idx[i]];
      }
      return Status::Ok();
    });
  });
}

}  // namespace unique
}  // namespace opbridge
