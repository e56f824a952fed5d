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
//  - a one-row segment is copied; longer ones are reduced in the order TF's
//    Eigen reduction uses, which depends on the column and the segment's
//    length (ReduceRows), so float results match bit for bit, NaNs included;
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

// How TF's x86-64 wheel (built for AVX) reduces a segment of several rows
// with Eigen: the leading columns of the output row, a multiple of the AVX
// packet size (kTfPacketSize), in packets; the remaining columns one by one.
// The two paths differ in ways visible in floating point:
//  - the packet path of max/min compares (v > acc ? v : acc), from -inf/+inf,
//    so NaNs are skipped and a segment of only NaNs gives -inf/+inf; the
//    coefficient path folds like std::max(v, acc): a NaN replaces the
//    accumulator and the next value replaces the NaN;
//  - for 16 rows or more the packet path of every reduction but the mean (a
//    stateful reducer) runs 4 accumulators, over rows j % 4 == 0, 1, 2, 3 up to
//    the last multiple of 4, combines them in order, then folds the remaining
//    rows: sums and products round differently from a sequential fold.
// Integers are exact (wrapping) whatever the order. half and bfloat16 packets
// widen to float, apply the float operation and round each result to T, as the
// scalar operators of Eigen::half and Eigen::bfloat16 do, with two differences
// for bfloat16 (PacketStep).
template <typename T>
constexpr int64_t kTfPacketSize = std::is_integral_v<T>                  ? 0
                                  : std::is_same_v<T, double>             ? 4
                                  : std::is_same_v<T, std::complex<float>> ? 4
                                  : std::is_same_v<T, std::complex<double>> ? 2
                                                                           : 8;  // float, half, bfloat16

template <Reduction R, typename T>
T Initial() {
  if constexpr (R == Reduction::kProd) return T(1);
  if constexpr (R == Reduction::kMax) return T(-Eigen::NumTraits<T>::infinity());
  if constexpr (R == Reduction::kMin) return T(Eigen::NumTraits<T>::infinity());
  return T(0);
}

// A float result rounded to bfloat16 as TF's AVX packets round it (Eigen's
// F32ToBf16): to nearest even, as Eigen::bfloat16's constructor, but a NaN of
// either sign becomes +NaN (0x7fc0), where the constructor keeps the sign.
inline Eigen::bfloat16 PacketRound(float r) {
  return (Eigen::numext::isnan)(r) ? Eigen::numext::bit_cast<Eigen::bfloat16>(uint16_t{0x7fc0}) : Eigen::bfloat16(r);
}

// One step of the packet path: acc combined with v.
template <Reduction R, typename T>
T PacketStep(T acc, T v) {
  if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
    if constexpr (R == Reduction::kMax || R == Reduction::kMin) {
      // TF's packet max/min is the float instruction on the widened values,
      // whose denormals-are-zero (TF's CPU float mode) returns a subnormal
      // operand as a zero of its sign; the choice compares them as zeros too.
      const T chosen = (R == Reduction::kMax ? v > acc : v < acc) ? v : acc;
      const auto bits = Eigen::numext::bit_cast<uint16_t>(chosen);
      const auto flushed = static_cast<uint16_t>((bits & 0x7f80) == 0 ? bits & 0x8000 : bits);  // zeros stay
      return PacketRound(static_cast<float>(Eigen::numext::bit_cast<T>(flushed)));
    } else {
      const float a = static_cast<float>(acc), b = static_cast<float>(v);
      return PacketRound(R == Reduction::kProd ? a * b : a + b);
    }
  } else {
    if constexpr (R == Reduction::kMax) return v > acc ? v : acc;
    if constexpr (R == Reduction::kMin) return v < acc ? v : acc;
    if constexpr (R == Reduction::kProd) return Multiply(acc, v);
    return Add(acc, v);
  }
}

// One step of the coefficient path: acc combined with v (max/min as
// std::max(v, acc)); T's own arithmetic, which for bfloat16 keeps a NaN's sign
// and returns a subnormal operand of max/min as it is.
template <Reduction R, typename T>
T CoefficientStep(T acc, T v) {
  if constexpr (R == Reduction::kMax) return acc > v ? acc : v;
  if constexpr (R == Reduction::kMin) return acc < v ? acc : v;
  if constexpr (R == Reduction::kProd) return Multiply(acc, v);
  return Add(acc, v);
}

template <Reduction R, typename T>
void ReduceRows(const T* data, int64_t begin, int64_t end, int64_t cols, T* out) {
  if (begin == end) {  // a gap: TF's default value
    std::fill(out, out + cols, R == Reduction::kProd ? T(1) : T(0));
    return;
  }
  const int64_t rows = end - begin;
  const T* first = data + begin * cols;
  if (rows == 1) {  // TF copies a one-row segment
    std::copy(first, first + cols, out);
    return;
  }
  constexpr int64_t kPacket = kTfPacketSize<T>;
  const int64_t packet_cols = kPacket > 0 ? cols / kPacket * kPacket : 0;

  // Coefficient path: from the initial value (the identity for max/min, so
  // the first row), a sequential fold kept in a register.
  for (int64_t c = packet_cols; c < cols; ++c) {
    T acc = (R == Reduction::kMax || R == Reduction::kMin) ? first[c] : CoefficientStep<R>(Initial<R, T>(), first[c]);
    for (int64_t j = 1; j < rows; ++j) acc = CoefficientStep<R>(acc, first[j * cols + c]);
    out[c] = acc;
  }

  // Packet path, over blocks of columns so the accumulators stay small.
  constexpr int64_t kBlock = 64;
  const bool four_accumulators = R != Reduction::kMean && rows >= 16;
  const int64_t unrolled = four_accumulators ? rows / 4 * 4 : 0;
  for (int64_t c0 = 0; c0 < packet_cols; c0 += kBlock) {
    const int64_t width = std::min(kBlock, packet_cols - c0);
    T acc[4][kBlock];
    for (auto& a : acc) std::fill(a, a + width, Initial<R, T>());
    for (int64_t j = 0; j < unrolled; j += 4) {
      for (int k = 0; k < 4; ++k) {
        const T* __restrict v = first + (j + k) * cols + c0;
        T* __restrict a = acc[k];
        for (int64_t c = 0; c < width; ++c) a[c] = PacketStep<R>(a[c], v[c]);
      }
    }
    for (int k = 1; k < 4 && four_accumulators; ++k) {
      for (int64_t c = 0; c < width; ++c) acc[0][c] = PacketStep<R>(acc[0][c], acc[k][c]);
    }
    for (int64_t j = unrolled; j < rows; ++j) {
      const T* __restrict v = first + j * cols + c0;
      T* __restrict a = acc[0];
      for (int64_t c = 0; c < width; ++c) a[c] = PacketStep<R>(a[c], v[c]);
    }
    std::copy(acc[0], acc[0] + width, out + c0);
  }
  if constexpr (R == Reduction::kMean) {
    const T count = static_cast<T>(rows);  // TF divides by the count in T
    int64_t c = 0;
    if constexpr (std::is_same_v<T, Eigen::bfloat16>) {  // the packets' division
      for (; c < packet_cols; ++c) out[c] = PacketRound(static_cast<float>(out[c]) / static_cast<float>(count));
    }
    for (; c < cols; ++c) out[c] = out[c] / count;
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
    "T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, uint64}";
constexpr const char* kNumberTypes =
    "T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, uint64, complex64, "
    "complex128}";

template <Reduction R>
Status RealKernel(KernelContext& ctx) {
  return SegmentKernel<R, float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t, uint8_t,
                       uint16_t, uint32_t, uint64_t>(ctx);
}

template <Reduction R>
Status NumberKernel(KernelContext& ctx) {
  return SegmentKernel<R, float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t, uint8_t,
                       uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(ctx);
}

}  // namespace segment
}  // namespace opbridge
