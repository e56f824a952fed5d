// SparseSegmentSum, SparseSegmentMean, SparseSegmentSqrtN and their
// *WithNumSegments forms: TF's tf.sparse.segment_{sum,mean,sqrt_n}. TFLite has
// no kernel: the converter leaves CUSTOM ops with {T, Tidx, Tsegmentids
// [, Tnumsegments], sparse_gradient} (measured with TF 2.21; sparse_gradient
// only changes TF's gradient).
//
// output[s] reduces the rows data[indices[j]] for the j with segment_ids[j]
// == s; segment_ids is sorted. TF's CPU kernel, reproduced:
// - checks in TF's order and words: num_segments a scalar, indices and
//   segment_ids vectors of one size, last id + 1 <= num_segments ("segment ids
//   must be < num_segments") or >= 0, then a walk over the segments ("segment
//   ids are not increasing", "Segment id 5 out of range [0, 3), possibly
//   because 'segment_ids' input is not sorted.") that checks each segment's
//   indices as it reduces it ("Bad: indices[2] == 7 out of range [0, 4)");
// - rows no segment names are 0;
// - a segment's sum in TF's unrolled order: its first num % 8 rows (8 when
//   that is 0, 9 when it is 1) added left to right and multiplied by the
//   scale, then each further group of 8 added left to right and that group
//   sum added to the total. A one-row segment is copied;
// - mean / sqrt_n: for fewer than 10 rows the first group is multiplied by
//   1 / T(n) (1 / T(sqrt(n))), else the total is divided by T(n) (T(sqrt(n)))
//   at the end: two roundings TF has, kept;
// - half and bfloat16 sum and scale in float and round once at the end (TF
//   2.21's half results match only this, not per-operation half rounding);
//   integers wrap.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "../array/index_vector.h"
#include "../math/element_types.h"
#include "segment_reduction.h"
#include "unsorted_segment_reduction.h"

namespace opbridge {
namespace sparse_segment {

enum class Kind { kSum, kMean, kSqrtN };

inline Status SparseSegmentShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(2, 1));
  if (ctx.num_inputs() > 3) {
    const Shape& n = ctx.input(3);
    OPBRIDGE_REQUIRE(!n.rank_known() || n.rank() == 0, "num_segments should be a scalar, not shape ", n.ToString());
  }
  Shape out = ctx.input(0);
  if (out.rank_known()) {
    OPBRIDGE_REQUIRE(out.rank() >= 1, "input 'data' must have rank >= 1, got ", out.ToString());
    out.set_dim(0, kUnknownDim);
  }
  ctx.set_output(0, out);
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// The type TF accumulates T in: float for bfloat16 and half, T otherwise.
template <typename T>
using Acc = std::conditional_t<std::is_same_v<T, Eigen::bfloat16> || std::is_same_v<T, Eigen::half>, float, T>;

template <Kind K, typename A>
A Scale(int64_t n) {
  A m(1);
  if (K == Kind::kMean && n < 10) m = A(static_cast<double>(n));
  if (K == Kind::kSqrtN && n < 10) m = A(std::sqrt(static_cast<double>(n)));
  return A(A(1) / m);
}

// Output row `out` from the rows `rows[0..n)` of data (each `cols` wide), in
// TF's order (above).
template <Kind K, typename T>
void ReduceSegment(const T* data, const int64_t* rows, int64_t n, int64_t cols, T* out, std::vector<Acc<T>>* work) {
  using A = Acc<T>;
  const auto row = [&](int64_t k) { return data + rows[k] * cols; };
  if (n == 1) {
    std::copy(row(0), row(0) + cols, out);
    return;
  }
  int64_t r = n & 7;
  const int64_t first = r == 0 ? 8 : r == 1 ? 9 : r;
  const A scale = Scale<K, A>(n);
  work->assign(static_cast<size_t>(cols), A(0));
  A* acc = work->data();
  for (int64_t c = 0; c < cols; ++c) {
    A s = A(row(0)[c]);
    for (int64_t k = 1; k < first; ++k) s = segment::Add(s, A(row(k)[c]));
    acc[c] = segment::Multiply(s, scale);
  }
  for (r = first; r < n; r += 8) {
    for (int64_t c = 0; c < cols; ++c) {
      A s = A(row(r)[c]);
      for (int64_t k = 1; k < 8; ++k) s = segment::Add(s, A(row(r + k)[c]));
      acc[c] = segment::Add(acc[c], s);
    }
  }
  if constexpr (K != Kind::kSum) {
    if (n >= 10) {
      const A d = K == Kind::kMean ? A(static_cast<double>(n)) : A(std::sqrt(static_cast<double>(n)));
      for (int64_t c = 0; c < cols; ++c) acc[c] = A(acc[c] / d);
    }
  }
  for (int64_t c = 0; c < cols; ++c) out[c] = T(acc[c]);
}

template <Kind K, typename T>
Status Reduce(KernelContext& ctx, int64_t output_rows, const std::vector<int64_t>& ids,
              const std::vector<int64_t>& index) {
  const ConstTensor& data = ctx.input(0);
  const int64_t num = static_cast<int64_t>(ids.size());
  const int64_t data_rows = data.dim(0);
  int64_t cols = 1;
  for (int d = 1; d < data.rank(); ++d) cols *= data.dim(d);
  Shape out_shape = data.shape();
  out_shape.set_dim(0, output_rows);
  OPBRIDGE_RETURN_IF_ERROR(array::CheckOutputSize(out_shape.dims()));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  T* out = ctx.output(0).data<T>();
  const auto fill = [&](int64_t from, int64_t to) {
    for (int64_t k = from * cols; k < to * cols; ++k) out[k] = T(0);
  };
  if (num == 0) {
    fill(0, output_rows);
    return Status::Ok();
  }
  OPBRIDGE_REQUIRE(output_rows > 0, "segment ids must be >= 0");
  // data may be a constant (4-byte aligned): read from an aligned copy then.
  std::vector<T> copy;
  const T* in = data.data<T>();
  if (reinterpret_cast<uintptr_t>(in) % alignof(T) != 0) {
    copy.resize(static_cast<size_t>(data.num_elements()));
    std::memcpy(static_cast<void*>(copy.data()), in, copy.size() * sizeof(T));
    in = copy.data();
  }
  std::vector<Acc<T>> work;
  int64_t start = 0, uninitialized = 0;
  while (start < num) {
    const int64_t id = ids[static_cast<size_t>(start)];
    int64_t end = start + 1;
    while (end < num && ids[static_cast<size_t>(end)] == id) ++end;
    OPBRIDGE_REQUIRE(end == num || id < ids[static_cast<size_t>(end)], "segment ids are not increasing");
    OPBRIDGE_REQUIRE(id >= 0 && id < output_rows, "Segment id ", id, " out of range [0, ", output_rows,
                     "), possibly because 'segment_ids' input is not sorted.");
    fill(uninitialized, id);
    for (int64_t j = start; j < end; ++j) {
      const int64_t i = index[static_cast<size_t>(j)];
      OPBRIDGE_REQUIRE(i >= 0 && i < data_rows, "Bad: indices[", j, "] == ", i, " out of range [0, ", data_rows, ")");
    }
    ReduceSegment<K>(in, index.data() + start, end - start, cols, out + id * cols, &work);
    uninitialized = id + 1;
    start = end;
  }
  fill(uninitialized, output_rows);
  return Status::Ok();
}

// TF's checks before the walk, then the typed reduction.
template <Kind K, typename... Ts>
Status SparseSegmentKernel(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& indices = ctx.input(1);
  const ConstTensor& segment_ids = ctx.input(2);
  const bool has_num_segments = ctx.num_inputs() > 3;
  int64_t output_rows = -1;
  if (has_num_segments) {
    const ConstTensor& n = ctx.input(3);
    OPBRIDGE_REQUIRE(n.rank() == 0, "num_segments should be a scalar, not shape ", n.shape().ToString());
    output_rows = unsorted_segment::ReadInt(n, 0);
    OPBRIDGE_REQUIRE(output_rows >= 0, "segment ids must be >= 0 (num_segments is ", output_rows, ")");
  }
  OPBRIDGE_REQUIRE(data.rank() >= 1, "input 'data' must have rank >= 1, got ", data.shape().ToString());
  OPBRIDGE_REQUIRE(indices.rank() == 1, "indices should be a vector.");
  OPBRIDGE_REQUIRE(segment_ids.rank() == 1, "segment_ids should be a vector.");
  const int64_t num = indices.num_elements();
  OPBRIDGE_REQUIRE(num == segment_ids.num_elements(), "segment_ids and indices should have same size.");
  std::vector<int64_t> ids(static_cast<size_t>(num)), index(static_cast<size_t>(num));
  for (int64_t j = 0; j < num; ++j) {
    ids[static_cast<size_t>(j)] = unsorted_segment::ReadInt(segment_ids, j);
    index[static_cast<size_t>(j)] = unsorted_segment::ReadInt(indices, j);
  }
  const int64_t last_plus_one = num > 0 ? ids.back() + 1 : 0;
  if (has_num_segments) {
    OPBRIDGE_REQUIRE(output_rows >= last_plus_one, "segment ids must be < num_segments");
  } else {
    output_rows = last_plus_one;
  }
  OPBRIDGE_REQUIRE(output_rows >= 0, "segment ids must be >= 0");
  return math::DispatchElement<Ts...>(data.dtype(), [&](auto tag) {
    return Reduce<K, typename decltype(tag)::type>(ctx, output_rows, ids, index);
  });
}

// TF's CPU registrations: real numbers for the sum, floating types for the others.
template <Kind K>
Status Kernel(KernelContext& ctx) {
  if constexpr (K == Kind::kSum) {
    return SparseSegmentKernel<K, Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t,
                               uint8_t, uint16_t, uint32_t, uint64_t>(ctx);
  } else {
    return SparseSegmentKernel<K, Eigen::half, Eigen::bfloat16, float, double>(ctx);
  }
}

constexpr const char* kSumTypes =
    "T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64}";
constexpr const char* kFloatTypes = "T: {bfloat16, half, float, double}";

}  // namespace sparse_segment
}  // namespace opbridge
