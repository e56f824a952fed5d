// RaggedRange: TF's tf.ragged.range(starts, limits, deltas), one range per row
// (keras-hub's StartEndPacker and the waterfall MultiSegmentPacker emit it).
// Outputs rt_nested_splits (Tsplits) and rt_dense_values (T).
//
// Semantics follow TF's ragged_range_op.cc:
// - starts/limits/deltas are scalars or vectors; scalars broadcast, vectors
//   must share one length (the number of rows; 1 when all are scalars).
// - A row's size is 0 when delta points away from limit, else
//   ceil(|limit - start| / |delta|) (integers: exact, in unsigned arithmetic
//   here so that int64 extremes neither overflow nor differ from TF's checked
//   result; floats: ceil(|(limit - start) / delta|) computed in T).
// - Values are accumulated (value += delta), not start + i * delta: floats
//   match TF bit for bit only that way.
// TF's error texts are kept. A total TF would try to allocate without bound is
// refused before allocating.
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "index_values.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// A total past which no device could hold the values: refused as an error
// rather than an allocation failure.
constexpr int64_t kMaxTotal = int64_t{1} << 31;

Status RangeShape(ShapeContext& ctx) {
  for (int i = 0; i < 3; ++i) {
    static const char* const kNames[] = {"starts", "limits", "deltas"};
    const Shape& s = ctx.input(i);
    OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() <= 1, kNames[i], " must be a scalar or vector");
  }
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, Shape({kUnknownDim}));
  ctx.set_output_dynamic(1);
  return Status::Ok();
}

// The number of elements in [start, limit) by delta, or an error in TF's
// words. TF bounds a row's size by Tsplits' maximum.
template <typename T, typename S>
Status RowSize(T start, T limit, T delta, int64_t* size) {
  constexpr S kMax = std::numeric_limits<S>::max();
  OPBRIDGE_REQUIRE(delta != 0, "Requires delta != 0");
  if ((delta > 0 && limit < start) || (delta < 0 && limit > start)) {
    *size = 0;
    return Status::Ok();
  }
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    // |limit - start| and |delta| in unsigned arithmetic: exact for every pair.
    const uint64_t span = limit >= start ? static_cast<uint64_t>(static_cast<U>(limit) - static_cast<U>(start))
                                         : static_cast<uint64_t>(static_cast<U>(start) - static_cast<U>(limit));
    const uint64_t step = delta > 0 ? static_cast<uint64_t>(static_cast<U>(delta))
                                    : static_cast<uint64_t>(U(0) - static_cast<U>(delta));
    const uint64_t n = span / step + (span % step != 0 ? 1 : 0);
    OPBRIDGE_REQUIRE(n <= static_cast<uint64_t>(kMax), "Requires ((limit - start) / delta) <= ", kMax);
    *size = static_cast<int64_t>(n);
  } else {
    const T n = std::ceil(std::abs((limit - start) / delta));
    // TF compares with Tsplits' maximum converted to T (NaN and infinity fail).
    OPBRIDGE_REQUIRE(n <= static_cast<T>(kMax), "Requires ((limit - start) / delta) <= ", kMax);
    // The maximum may round up in T (int32's in float, int64's in both):
    // TF's conversion to Tsplits then turns negative on x86, which its next
    // check reports; the same error here, without the undefined conversion.
    OPBRIDGE_REQUIRE(n < std::ldexp(T(1), std::numeric_limits<S>::digits), "Requires size >= 0");
    *size = static_cast<int64_t>(n);
  }
  return Status::Ok();
}

template <typename T, typename S>
Status Range(KernelContext& ctx) {
  const ConstTensor& starts = ctx.input(0);
  const ConstTensor& limits = ctx.input(1);
  const ConstTensor& deltas = ctx.input(2);
  int64_t nrows = -1;
  for (const ConstTensor* t : {&starts, &limits, &deltas}) {
    if (t->rank() == 0) continue;
    OPBRIDGE_REQUIRE(nrows < 0 || t->dim(0) == nrows, "starts, limits, and deltas must have the same shape");
    nrows = t->dim(0);
  }
  if (nrows < 0) nrows = 1;
  const auto at = [](const ConstTensor& t, int64_t row) { return ragged::Load<T>(t, t.rank() == 0 ? 0 : row); };
  std::vector<int64_t> sizes(static_cast<size_t>(nrows));
  int64_t total = 0;
  for (int64_t row = 0; row < nrows; ++row) {
    int64_t& n = sizes[static_cast<size_t>(row)];
    OPBRIDGE_RETURN_IF_ERROR((RowSize<T, S>(at(starts, row), at(limits, row), at(deltas, row), &n)));
    OPBRIDGE_REQUIRE(total <= static_cast<int64_t>(std::numeric_limits<S>::max()) - n,
                     "The total range size overflowed. Consider using int64 instead of int32 for row_splits_dtype.");
    total += n;
  }
  // TF would go on to allocate any int64 total; no device holds that many.
  OPBRIDGE_REQUIRE(total <= kMaxTotal, "the ranges hold ", total, " values, more than ", kMaxTotal);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({nrows + 1})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({total})));
  S* splits = ctx.output(0).data<S>();
  T* values = ctx.output(1).data<T>();
  splits[0] = 0;
  int64_t k = 0;
  for (int64_t row = 0; row < nrows; ++row) {
    T value = at(starts, row);
    const T delta = at(deltas, row);
    for (int64_t i = 0; i < sizes[static_cast<size_t>(row)]; ++i) {
      values[k++] = value;
      // Integers wrap past the last value as TF's do; unsigned keeps it defined.
      if constexpr (std::is_integral_v<T>) {
        using U = std::make_unsigned_t<T>;
        value = static_cast<T>(static_cast<U>(value) + static_cast<U>(delta));
      } else {
        value += delta;
      }
    }
    splits[row + 1] = static_cast<S>(k);
  }
  return Status::Ok();
}

Status RangeKernel(KernelContext& ctx) {
  const DType splits = ctx.output(0).dtype();
  OPBRIDGE_REQUIRE(splits == DType::kInt32 || splits == DType::kInt64, "output 'rt_nested_splits' must be int32 or ",
                   "int64, got ", DTypeName(splits));
  for (int i = 1; i < 3; ++i) {
    OPBRIDGE_REQUIRE(ctx.input(i).dtype() == ctx.input(0).dtype(), "starts, limits and deltas must share one dtype");
  }
  return Dispatch<float, double, int32_t, int64_t>(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return splits == DType::kInt32 ? Range<T, int32_t>(ctx) : Range<T, int64_t>(ctx);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("RaggedRange")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Ragged rows of ranges [start, limit) by delta, one per row (tf.ragged.range).")
                         .Input("starts: T")
                         .Input("limits: T")
                         .Input("deltas: T")
                         .Output("rt_nested_splits: Tsplits")
                         .Output("rt_dense_values: T")
                         .Attr("T: {float, double, int32, int64} = DT_INT32")
                         .Attr("Tsplits: {int32, int64} = DT_INT64")
                         .ShapeRule(RangeShape)
                         .Kernel(RangeKernel));

}  // namespace
}  // namespace opbridge
