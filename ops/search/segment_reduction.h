// Sorted segment reductions (SegmentMax, SegmentMin, SegmentMean, SegmentProd,
// SegmentSum): output[i] reduces the rows of `data` whose segment id is i.
// segment_ids is a sorted vector with one id per row of data; the output has
// last id + 1 rows, known only at run time (a dynamic output).
//
// TF's kernel semantics, reproduced exactly:
//  - checks, in TF's order and with TF's words: data of rank >= 1, ids a
//    vector as long as dim 0 of data, last id >= 0, then a walk over the
//    segments that stops at the first id smaller than its predecessor
//    ("not increasing") or a negative segment ("out of range");
//  - ids absent from segment_ids (gaps) get 0, or 1 for the product (TF's
//    default values; also for max and min);
//  - a one-row segment is copied; longer ones fold row by row in order, from
//    Eigen's initial value (sum/mean 0, product 1), so float results match
//    bit for bit;
//  - max/min with NaNs: TF's result depends on whether Eigen evaluated the
//    column in a packet or not (kTfPacketSize); both ways are reproduced;
//  - mean divides the fold by the row count converted to T (integer division
//    for integers); integers wrap on overflow.
#pragma once

#include <algorithm>
#include <climits>
#include <complex>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace segment {

enum class Reduction { kSum, kMean, kProd, kMax, kMin };

inline Status SegmentShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(1, 0, 0, 0));
  Shape out = ctx.input(0);
  if (out.rank_known()) out.set_dim(0, kUnknownDim);  // last id + 1
  ctx.set_output(0, out);
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

template <typename T>
T Multiply(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) * static_cast<U>(b)));
  } else {
    return a * b;
  }
}

// One run of equal ids: output row `id` reduces data rows [begin, end).
struct Segment {
  int64_t id, begin, end;
};

// The segments of `ids`, checked as TF checks them: the last id first, then
// a walk that at each boundary checks the order, then the id's range.
template <typename Index>
Status FindSegments(const Index* ids, int64_t n, std::vector<Segment>* segments, int64_t* rows) {
  const int64_t last = n > 0 ? static_cast<int64_t>(ids[n - 1]) : -1;
  OPBRIDGE_REQUIRE(n == 0 || last >= 0, "segment ids must be >= 0 (the last is ", last, ")");
  OPBRIDGE_REQUIRE(last < INT32_MAX, "the last segment id ", last, " needs more output rows than TFLite dims hold");
  *rows = last + 1;
  segments->clear();
  for (int64_t start = 0; start < n;) {
    int64_t end = start + 1;
    while (end < n && ids[end] == ids[start]) ++end;
    OPBRIDGE_REQUIRE(end == n || ids[start] < ids[end], "segment ids are not increasing (segment_ids[", end,
                     "] = ", static_cast<int64_t>(ids[end]), " follows ", static_cast<int64_t>(ids[start]), ")");
    OPBRIDGE_REQUIRE(ids[start] >= 0, "Segment id ", static_cast<int64_t>(ids[start]), " out of range [0, ",
                     *rows, "), possibly because 'segment_ids' input is not sorted.");
    segments->push_back({static_cast<int64_t>(ids[start]), start, end});
    start = end;
  }
  return Status::Ok();
}

// TF's x86-64 wheel evaluates max/min with AVX packets (8 floats or halves,
// 4 doubles) over the leading columns of each output row, and element by
// element over the rest; the two treat NaN differently (see ReduceRows).
template <typename T>
constexpr int64_t kTfPacketSize = std::is_same_v<T, double> ? 4 : 8;

template <Reduction R, typename T>
void ReduceRows(const T* data, int64_t begin, int64_t end, int64_t cols, T* out) {
  if (begin == end) {  // a gap: TF's default value
    std::fill(out, out + cols, R == Reduction::kProd ? T(1) : T(0));
    return;
  }
  const T* row = data + begin * cols;
  if (end - begin == 1) {
    std::copy(row, row + cols, out);
    return;
  }
  if (cols == 1) {  // one column (1-D data): the same folds, in a register
    T acc = *row;
    if constexpr (R == Reduction::kMax || R == Reduction::kMin) {
      for (int64_t j = begin + 1; j < end; ++j) {
        const T v = data[j];
        acc = (R == Reduction::kMax ? acc > v : acc < v) ? acc : v;
      }
    } else {
      acc = R == Reduction::kProd ? Multiply(T(1), acc) : Add(T(0), acc);
      for (int64_t j = begin + 1; j < end; ++j) acc = R == Reduction::kProd ? Multiply(acc, data[j]) : Add(acc, data[j]);
      if constexpr (R == Reduction::kMean) acc = acc / static_cast<T>(end - begin);
    }
    *out = acc;
    return;
  }
  if constexpr (R == Reduction::kMax || R == Reduction::kMin) {
    constexpr bool kMax = R == Reduction::kMax;
    // Columns TF evaluates in AVX packets: from -inf (max) or +inf (min), a
    // value replaces the accumulator only when strictly larger (smaller), so
    // NaNs are skipped, and a segment of NaNs gives -inf (+inf).
    const int64_t packet_cols = std::is_integral_v<T> ? 0 : cols / kTfPacketSize<T> * kTfPacketSize<T>;
    if (packet_cols > 0) {
      const T start = kMax ? T(-Eigen::NumTraits<T>::infinity()) : T(Eigen::NumTraits<T>::infinity());
      std::fill(out, out + packet_cols, start);
      for (int64_t j = begin; j < end; ++j) {
        const T* __restrict v = data + j * cols;
        T* __restrict acc = out;
        // A select the compiler turns into maxps/minps, which compute exactly this.
        for (int64_t c = 0; c < packet_cols; ++c) acc[c] = (kMax ? v[c] > acc[c] : v[c] < acc[c]) ? v[c] : acc[c];
      }
    }
    // The other columns fold like std::max(value, acc) (std::min): the
    // accumulator stays only when strictly larger (smaller) than the value, so
    // a NaN row replaces it and the next row replaces the NaN.
    std::copy(row + packet_cols, row + cols, out + packet_cols);
    for (int64_t j = begin + 1; j < end; ++j) {
      const T* __restrict v = data + j * cols;
      T* __restrict acc = out;
      for (int64_t c = packet_cols; c < cols; ++c) acc[c] = (kMax ? acc[c] > v[c] : acc[c] < v[c]) ? acc[c] : v[c];
    }
  } else {
    std::fill(out, out + cols, R == Reduction::kProd ? T(1) : T(0));
    for (int64_t j = begin; j < end; ++j) {
      const T* v = data + j * cols;
      for (int64_t c = 0; c < cols; ++c) {
        out[c] = R == Reduction::kProd ? Multiply(out[c], v[c]) : Add(out[c], v[c]);
      }
    }
    if constexpr (R == Reduction::kMean) {
      const T count = static_cast<T>(end - begin);
      for (int64_t c = 0; c < cols; ++c) out[c] = out[c] / count;
    }
  }
}

template <Reduction R, typename T, typename Index>
Status Reduce(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& ids = ctx.input(1);
  const int64_t n = ids.num_elements();
  std::vector<Segment> segments;
  int64_t rows = 0;
  OPBRIDGE_RETURN_IF_ERROR(FindSegments(ids.data<Index>(), n, &segments, &rows));
  if constexpr (R == Reduction::kMean && std::is_integral_v<T>) {
    // TF divides by the count converted to T; where that is 0 it would divide
    // by zero (and crash): refuse instead.
    for (const Segment& s : segments) {
      OPBRIDGE_REQUIRE(static_cast<T>(s.end - s.begin) != T(0), "segment ", s.id, " has ", s.end - s.begin,
                       " rows, a count that wraps to 0 in ", DTypeName(data.dtype()));
    }
  }
  Shape out_shape = data.shape();
  out_shape.set_dim(0, rows);
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  const int64_t cols = n > 0 ? data.num_elements() / n : 0;
  if (rows == 0 || cols == 0) return Status::Ok();
  const T* in = data.data<T>();
  T* out = ctx.output(0).data<T>();
  const auto num_segments = static_cast<int64_t>(segments.size());
  // Each work item is one segment and the gap rows just before it.
  ctx.ParallelFor(num_segments, cols * (n + rows) / num_segments + 1, [&](int64_t begin, int64_t end) {
    const math::ScopedFlushDenormals flush;
    for (int64_t k = begin; k < end; ++k) {
      const Segment& s = segments[static_cast<size_t>(k)];
      const int64_t gap_begin = k == 0 ? 0 : segments[static_cast<size_t>(k) - 1].id + 1;
      for (int64_t r = gap_begin; r < s.id; ++r) ReduceRows<R>(in, 0, 0, cols, out + r * cols);
      ReduceRows<R>(in, s.begin, s.end, cols, out + s.id * cols);
    }
  });
  return Status::Ok();
}

// TF's checks that come before any id is read, then the typed reduction.
template <Reduction R, typename... Ts>
Status SegmentKernel(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& ids = ctx.input(1);
  OPBRIDGE_REQUIRE(data.rank() >= 1, "input must be at least rank 1");
  OPBRIDGE_REQUIRE(ids.rank() == 1, "segment_ids should be a vector, got shape ", ids.shape().ToString());
  OPBRIDGE_REQUIRE(ids.dim(0) == data.dim(0), "segment_ids should be the same size as dimension 0 of input (",
                   ids.dim(0), " ids, input 'data' ", data.shape().ToString(), ")");
  return Dispatch<int32_t, int64_t>(ids.dtype(), [&](auto index_tag) {
    using Index = typename decltype(index_tag)::type;
    return math::DispatchElement<Ts...>(
        data.dtype(), [&](auto tag) { return Reduce<R, typename decltype(tag)::type, Index>(ctx); });
  });
}

// TF's CPU dtypes: real numbers for max and min, also complex for the others.
constexpr const char* kRealTypes =
    "T: {float, double, half, int8, int16, int32, int64, uint8, uint16, uint32, uint64}";
constexpr const char* kNumberTypes =
    "T: {float, double, half, int8, int16, int32, int64, uint8, uint16, uint32, uint64, complex64, complex128}";

template <Reduction R>
Status RealKernel(KernelContext& ctx) {
  return SegmentKernel<R, float, double, Eigen::half, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                       uint32_t, uint64_t>(ctx);
}

template <Reduction R>
Status NumberKernel(KernelContext& ctx) {
  return SegmentKernel<R, float, double, Eigen::half, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                       uint32_t, uint64_t, std::complex<float>, std::complex<double>>(ctx);
}

}  // namespace segment
}  // namespace opbridge
