// LowerBound and UpperBound (tf.searchsorted with side 'left' / 'right'):
// for each row b, output[b, j] is the index of the first element of
// sorted_inputs[b, :] that is >= values[b, j] (LowerBound) or > values[b, j]
// (UpperBound). tf.searchsorted reshapes N-D inputs to these 2-D ones.
//
// TF's kernel runs std::lower_bound / std::upper_bound with operator< on
// each row. This probes the same elements in the same order (libstdc++'s
// halving: mid = first + len / 2), so even unsorted rows and NaNs give TF's
// indices; but without branches on the comparisons (a random query
// mispredicts half of them) and 8 queries at a time, whose probes overlap in
// the memory pipeline. half and bfloat16 compare as floats, as their
// operator< does in TF; under TF's denormals-are-zero float mode a bfloat16
// subnormal compares equal to zero.
#pragma once

#include <algorithm>
#include <climits>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace search_sorted {

inline Status Shape2D(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireSameDim(0, 0, 1, 0));
  ctx.set_output(0, ctx.input(1));
  return Status::Ok();
}

template <bool kUpper, typename T, typename Out>
Status Search(KernelContext& ctx) {
  const ConstTensor& sorted = ctx.input(0);
  const ConstTensor& values = ctx.input(1);
  const int64_t batch = values.dim(0), n = sorted.dim(1), m = values.dim(1);
  OPBRIDGE_REQUIRE(sorted.dim(0) == batch, "Leading dim_size of both tensors must match (input 'sorted_inputs' ",
                   sorted.shape().ToString(), ", input 'values' ", values.shape().ToString(), ")");
  OPBRIDGE_REQUIRE(values.num_elements() < INT_MAX, "values tensor size must less than INT_MAX");
  OPBRIDGE_REQUIRE(sizeof(Out) == 8 || n < INT_MAX,
                   "trailing dim_size must less than INT_MAX for int32 output type, was ", n);
  const T* rows = sorted.data<T>();
  const T* v = values.data<T>();
  Out* out = ctx.output(0).data<Out>();
  int64_t log_n = 1;
  while ((int64_t{1} << log_n) < n) ++log_n;
  ctx.ParallelFor(batch * m, 2 * log_n + 2, [&](int64_t begin, int64_t end) {
    constexpr int kGroup = 8;
    int64_t row = m ? begin / m : 0;
    int64_t row_end = (row + 1) * m;  // the first query of the next row
    for (int64_t i = begin; i < end; i += kGroup) {
      const int count = static_cast<int>(std::min<int64_t>(kGroup, end - i));
      const T* start[kGroup];
      const T* first[kGroup];
      int64_t len[kGroup];
      T value[kGroup];
      for (int k = 0; k < count; ++k) {
        while (i + k >= row_end) row_end += m, ++row;
        start[k] = first[k] = rows + row * n;
        len[k] = n;
        value[k] = v[i + k];
      }
      // libstdc++'s loop for each query: half = len / 2; past mid (first =
      // mid + 1, len -= half + 1) when the probe is before the value, else keep
      // the lower half (len = half). In masks: compilers branch on `?:` here.
      for (bool active = n > 0; active;) {
        active = false;
        for (int k = 0; k < count; ++k) {
          if (len[k] == 0) continue;
          const int64_t half = len[k] >> 1;
          const T* mid = first[k] + half;
          const bool past = kUpper ? !(value[k] < *mid) : *mid < value[k];
          const int64_t mask = -static_cast<int64_t>(past);
          first[k] += (half + 1) & mask;
          len[k] = half - (mask & ~len[k] & 1);  // len - half - 1 is half - 1 for even len
          active |= len[k] != 0;
        }
      }
      for (int k = 0; k < count; ++k) out[i + k] = static_cast<Out>(first[k] - start[k]);
    }
  });
  return Status::Ok();
}

template <bool kUpper>
Status SearchKernel(KernelContext& ctx) {
  return Dispatch<int32_t, int64_t>(ctx.output(0).dtype(), [&](auto out_tag) {
    using Out = typename decltype(out_tag)::type;
    return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                                 uint8_t, uint16_t, uint32_t, uint64_t>(ctx.input(0).dtype(), [&](auto tag) {
      return Search<kUpper, typename decltype(tag)::type, Out>(ctx);
    });
  });
}

constexpr const char* kTypes =
    "T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, uint32, uint64}";

}  // namespace search_sorted
}  // namespace opbridge
