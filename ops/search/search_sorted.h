// LowerBound and UpperBound (tf.searchsorted with side 'left' / 'right'):
// for each row b, output[b, j] is the index of the first element of
// sorted_inputs[b, :] that is >= values[b, j] (LowerBound) or > values[b, j]
// (UpperBound). tf.searchsorted reshapes N-D inputs to these 2-D ones.
//
// TF's kernel runs std::lower_bound / std::upper_bound with operator< on
// each row; so does this, so even unsorted rows and NaNs give TF's indices.
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
    for (int64_t i = begin; i < end; ++i) {
      const T* first = rows + (i / (m ? m : 1)) * n;
      const T* found = kUpper ? std::upper_bound(first, first + n, v[i]) : std::lower_bound(first, first + n, v[i]);
      out[i] = static_cast<Out>(found - first);
    }
  });
  return Status::Ok();
}

template <bool kUpper>
Status SearchKernel(KernelContext& ctx) {
  return Dispatch<int32_t, int64_t>(ctx.output(0).dtype(), [&](auto out_tag) {
    using Out = typename decltype(out_tag)::type;
    return math::DispatchElement<float, double, Eigen::half, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                                 uint32_t, uint64_t>(ctx.input(0).dtype(), [&](auto tag) {
      return Search<kUpper, typename decltype(tag)::type, Out>(ctx);
    });
  });
}

constexpr const char* kTypes = "T: {float, double, half, int8, int16, int32, int64, uint8, uint16, uint32, uint64}";

}  // namespace search_sorted
}  // namespace opbridge
