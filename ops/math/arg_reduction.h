// Shared by ArgMax and ArgMin in every dtype TF's CPU kernels take (the
// converter leaves them custom for float64, half, bfloat16, int16, int64 and
// the unsigned types but uint8): TF's ArgOp checks (dimension a scalar in
// [-rank, rank), the reduced dim not empty) and its answer: the first index
// of the extreme value (ties go to the smallest index), as output_type.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace math {

struct ArgParams {
  DType output_type = DType::kInt64;

  static void Declare(ParamBinder& b, ArgParams& p) {
    b.Attr("output_type: {int16, uint16, int32, int64} = DT_INT64", &p.output_type);
  }
};

inline Status ReadArgAxis(const ConstTensor& dimension, int rank, int64_t* axis) {
  OPBRIDGE_REQUIRE(dimension.rank() == 0, "dim must be a scalar, but received tensor of shape: ",
                   dimension.shape().ToString());
  const int64_t dim = dimension.dtype() == DType::kInt64   ? dimension.data<int64_t>()[0]
                      : dimension.dtype() == DType::kInt16 ? dimension.data<int16_t>()[0]
                                                           : dimension.data<int32_t>()[0];
  *axis = dim < 0 ? dim + rank : dim;
  OPBRIDGE_REQUIRE(*axis >= 0 && *axis < rank, "Expected dimension in the range [", -rank, ", ", rank,
                   "), but got ", dim);
  return Status::Ok();
}

inline Status ArgShape(ShapeContext& ctx, const ArgParams&) {
  const Shape& x = ctx.input(0);
  const ConstTensor* dimension = ctx.input_value(1);
  if (dimension == nullptr || !x.rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  int64_t axis = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadArgAxis(*dimension, x.rank(), &axis));
  std::vector<int64_t> dims;
  for (int d = 0; d < x.rank(); ++d) {
    if (d != axis) dims.push_back(x.dim(d));
  }
  ctx.set_output(0, Shape(std::move(dims)));
  return Status::Ok();
}

// better(candidate, best): whether candidate replaces the best so far.
template <typename Better>
Status ArgReduce(KernelContext& ctx, const ArgParams& p, Better better) {
  const ConstTensor& x = ctx.input(0);
  int64_t axis = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadArgAxis(ctx.input(1), x.rank(), &axis));
  std::vector<int64_t> dims;
  for (int d = 0; d < x.rank(); ++d) {
    if (d != axis) dims.push_back(x.dim(d));
  }
  const Shape out_shape(std::move(dims));
  OPBRIDGE_REQUIRE(x.dim(static_cast<int>(axis)) > 0, "Reduction axis ", axis, " is empty in shape ",
                   x.shape().ToString());
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == out_shape.dims(), "output has shape ", y.shape().ToString(),
                   ", expected ", out_shape.ToString());
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= x.dim(d);
  for (int d = static_cast<int>(axis) + 1; d < x.rank(); ++d) inner *= x.dim(d);
  const int64_t n = x.dim(static_cast<int>(axis));
  return DispatchElement<double, float, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t, uint8_t,
                         uint16_t, uint32_t, uint64_t, bool>(x.dtype(), [&](auto value_tag) {
    using T = typename decltype(value_tag)::type;
    const T* in = x.data<T>();
    // The extremes: finite for the floating types (Eigen's arg reducers start
    // from the worst finite value), false and true for bool.
    T lowest, highest;
    if constexpr (std::is_integral_v<T>) {
      lowest = std::numeric_limits<T>::lowest();
      highest = std::numeric_limits<T>::max();
    } else {
      lowest = Eigen::NumTraits<T>::lowest();
      highest = Eigen::NumTraits<T>::highest();
    }
    const T start = better(highest, lowest) ? lowest : highest;  // ArgMax: lowest; ArgMin: highest
    // The index is stored by a switch on output_type per output, not by an
    // instantiation per (T, output type): four times fewer copies of the scan.
    const DType out_type = p.output_type;
    void* out = y.data<void>();
    ctx.ParallelFor(outer * inner, n, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        const T* line = in + (o / inner) * n * inner + o % inner;
        // Eigen's arg reducers (TF's kernel), in index order: the running
        // best starts as (0, the worst finite value) and only a strictly
        // better element replaces it, so NaN never wins, even at index 0.
        int64_t best = 0;
        T best_value = start;
        for (int64_t i = 0; i < n; ++i) {
          const T v = line[i * inner];
          if (better(v, best_value)) {
            best = i;
            best_value = v;
          }
        }
        switch (out_type) {
          case DType::kInt16: static_cast<int16_t*>(out)[o] = static_cast<int16_t>(best); break;
          case DType::kUInt16: static_cast<uint16_t*>(out)[o] = static_cast<uint16_t>(best); break;
          case DType::kInt32: static_cast<int32_t*>(out)[o] = static_cast<int32_t>(best); break;
          default: static_cast<int64_t*>(out)[o] = best; break;
        }
      }
    });
    return Status::Ok();
  });
}

}  // namespace math
}  // namespace opbridge
