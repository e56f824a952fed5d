// Opbridge>Sort: torch.sort (and argsort, msort) in one kernel: the values of
// `input` sorted along `axis`, and the int32 positions they came from.
// litert-torch lowers aten.sort to the builtin STABLEHLO_SORT, which the LiteRT
// runtime has no kernel for; opbridge.convert rewrites aten.sort onto this op
// (python/opbridge/torch/aten_search.py) and widens the indices to int64.
//
// The order is torch's stable sort (std::stable_sort with torch's comparators,
// SortingKernel.cpp): ascending puts NaNs last, descending first; equal values
// (and -0.0 with 0.0, which compare equal) keep their input order, NaNs among
// themselves too. Each value becomes an unsigned key whose integer order is
// that order, and the key paired with the column is unique, so a plain sort
// of the pairs gives the stable result without std::stable_sort's buffer.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"
#include "values_indices_axis.h"

namespace opbridge {
namespace {

struct SortParams {
  int64_t axis = -1;
  bool descending = false;

  static void Declare(ParamBinder& b, SortParams& p) {
    b.Attr("axis: int = -1", &p.axis);
    b.Attr("descending: bool = false", &p.descending);
  }
};

Status SortShape(ShapeContext& ctx, const SortParams& p) { return ValuesAndIndicesShape(ctx, p.axis); }

// Key width: 32 bits for the types up to 4 bytes (packed with the column into
// one uint64), 64 for the others.
template <typename T>
using KeyOf = std::conditional_t<(sizeof(T) <= 4), uint32_t, uint64_t>;

// The ascending key: integer order = torch's ascending order. Signed integers
// flip the sign bit; floats (half and bfloat16 widened to float, exactly) map
// -0.0 to +0.0, negative values to their complement and non-negative ones to
// the sign bit set, so that the bits order as the values; every NaN is the
// largest key.
template <typename T>
KeyOf<T> AscendingKey(T v) {
  using K = KeyOf<T>;
  if constexpr (std::is_integral_v<T>) {
    if constexpr (std::is_signed_v<T>) {
      using U = std::make_unsigned_t<T>;
      return static_cast<K>(static_cast<U>(v) ^ (U{1} << (sizeof(T) * 8 - 1)));
    } else {
      return static_cast<K>(v);
    }
  } else {
    using F = std::conditional_t<std::is_same_v<T, double>, double, float>;
    const F f = static_cast<F>(v);
    if (f != f) return std::numeric_limits<K>::max();
    if (f == F(0)) return K{1} << (sizeof(K) * 8 - 1);  // -0.0 and 0.0
    K bits;
    std::memcpy(&bits, &f, sizeof(K));
    constexpr K kSign = K{1} << (sizeof(K) * 8 - 1);
    return (bits & kSign) ? ~bits : (bits | kSign);
  }
}

// Descending: the complement, which also puts NaN (the largest) first.
template <typename T>
KeyOf<T> Key(T v, bool descending) {
  const KeyOf<T> k = AscendingKey(v);
  return descending ? ~k : k;
}

// Sorts one row: `row` holds n elements `stride` apart; writes values and
// columns with the same stride.
template <typename T>
void SortRow(const T* row, int64_t n, int64_t stride, bool descending, T* values, int32_t* indices,
             std::vector<uint64_t>* packed, std::vector<std::pair<uint64_t, int32_t>>* pairs) {
  if constexpr (sizeof(T) <= 4) {
    // key << 32 | column: unique, so std::sort gives the stable order.
    packed->resize(static_cast<size_t>(n));
    uint64_t* p = packed->data();
    for (int64_t c = 0; c < n; ++c) {
      p[c] = (static_cast<uint64_t>(Key(row[c * stride], descending)) << 32) | static_cast<uint32_t>(c);
    }
    std::sort(p, p + n);
    for (int64_t c = 0; c < n; ++c) {
      const auto from = static_cast<int32_t>(p[c] & 0xffffffffu);
      values[c * stride] = row[static_cast<int64_t>(from) * stride];
      indices[c * stride] = from;
    }
  } else {
    pairs->resize(static_cast<size_t>(n));
    auto* p = pairs->data();
    for (int64_t c = 0; c < n; ++c) p[c] = {Key(row[c * stride], descending), static_cast<int32_t>(c)};
    std::sort(p, p + n);
    for (int64_t c = 0; c < n; ++c) {
      const int32_t from = p[c].second;
      values[c * stride] = row[static_cast<int64_t>(from) * stride];
      indices[c * stride] = from;
    }
  }
}

template <typename T>
Status SortTyped(KernelContext& ctx, const SortParams& p, int64_t outer, int64_t n, int64_t inner) {
  const T* in = ctx.input(0).data<T>();
  T* values = ctx.output(0).data<T>();
  int32_t* indices = ctx.output(1).data<int32_t>();
  const int64_t rows = outer * inner;
  if (rows == 0 || n == 0) return Status::Ok();
  int64_t log_n = 1;
  while ((int64_t{1} << log_n) < n) ++log_n;
  ctx.ParallelFor(rows, n * log_n * 2 + 1, [&](int64_t begin, int64_t end) {
    std::vector<uint64_t> packed;
    std::vector<std::pair<uint64_t, int32_t>> pairs;
    for (int64_t r = begin; r < end; ++r) {
      const int64_t base = (r / inner) * n * inner + r % inner;
      SortRow(in + base, n, inner, p.descending, values + base, indices + base, &packed, &pairs);
    }
  });
  return Status::Ok();
}

Status SortKernel(KernelContext& ctx, const SortParams& p) {
  const ConstTensor& input = ctx.input(0);
  int64_t axis = 0;
  OPBRIDGE_RETURN_IF_ERROR(ResolveTorchAxis(p.axis, input.rank(), &axis));
  OPBRIDGE_REQUIRE(ctx.output(1).dtype() == DType::kInt32, "indices must be int32, got ",
                   DTypeName(ctx.output(1).dtype()));
  int64_t outer = 1, n = 1, inner = 1;
  for (int d = 0; d < input.rank(); ++d) {
    const int64_t size = input.dim(d);
    if (d < axis) outer *= size;
    if (d == axis) n = size;
    if (d > axis) inner *= size;
  }
  OPBRIDGE_REQUIRE(n <= std::numeric_limits<int32_t>::max(), "input 'input' has ", n,
                   " elements along axis ", axis, ", more than int32 indices can hold");
  return math::DispatchRealNumber(input.dtype(), [&](auto tag) {
    return SortTyped<typename decltype(tag)::type>(ctx, p, outer, n, inner);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>Sort")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.sort along axis (stable; NaNs last ascending, first descending): the sorted "
                              "values and the int32 positions they came from.")
                         .Input("input: T")
                         .Output("values: T")
                         .Output("indices: int32")
                         .Params<SortParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64}")
                         .ShapeRule(SortShape)
                         .Kernel(SortKernel));

}  // namespace
}  // namespace opbridge
