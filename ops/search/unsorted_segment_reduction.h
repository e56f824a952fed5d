// UnsortedSegmentMax, UnsortedSegmentMin, UnsortedSegmentProd: TF's
// tf.math.unsorted_segment_{max,min,prod} for the dtypes TFLite's builtins lack
// (they take float32 and int32; the converter leaves CUSTOM ops with
// {T, Tindices, Tnumsegments} for float64, float16, int8/16/64 and the
// unsigned types, measured with TF 2.21).
//
// Semantics follow TF's UnsortedSegmentReductionOp and its CPU functor
// (UnsortedSegmentFunctor<CPUDevice>):
// - output: [num_segments] + data.shape[segment_ids.rank:], filled with the
//   initial value (lowest() for max, highest() for min: finite, not -inf/+inf;
//   1 for prod), then each data row i, in input order, folded into output row
//   segment_ids[i]; negative ids are dropped;
// - when data is empty TF returns the filled output before reading any id, so
//   out-of-range ids are only an error when data has elements;
// - the fold is TF's `out = std::max(data, out)` (`cwiseMax` on rows, whose
//   AVX packet op swaps operands to give std::max's NaN behaviour): whenever
//   either operand is NaN the new data value wins, so a NaN row replaces the
//   accumulator and the next row replaces the NaN, in every column whatever
//   the inner size. Min likewise with std::min. Prod is out * data, one
//   rounding per row in input order: the same bits as TF; integers wrap.
// TF's error texts are kept. The shape rule and the id helpers (IndexText,
// ReadInt, CheckPrefix, UnsortedShape) serve UnsortedSegmentSum too.
#pragma once

#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "segment_reduction.h"
#include "opbridge/op.h"

namespace opbridge {
namespace unsorted_segment {

enum class Fold { kMax, kMin, kProd };

// TF's SliceDebugString: "[i]" or "[i,j]" for flat index `i` in `shape`.
inline std::string IndexText(const Shape& shape, int64_t i) {
  if (shape.rank() == 0) return "";
  std::string out;
  for (int d = shape.rank() - 1; d >= 0; --d) {
    const int64_t n = shape.dim(d);
    out = std::to_string(n ? i % n : 0) + (out.empty() ? "" : ",") + out;
    i = n ? i / n : 0;
  }
  return "[" + out + "]";
}

// Element i of an int16/int32/int64 tensor (int16: UnsortedSegmentSum's ids).
// memcpy: a model's constant buffers are only 4-byte aligned, so typed 8-byte
// loads from them could be misaligned.
inline int64_t ReadInt(const ConstTensor& t, int64_t i) {
  if (t.dtype() == DType::kInt16) {
    int16_t v;
    std::memcpy(&v, t.data<char>() + i * 2, 2);
    return v;
  }
  if (t.dtype() == DType::kInt32) {
    int32_t v;
    std::memcpy(&v, t.data<char>() + i * 4, 4);
    return v;
  }
  int64_t v;
  std::memcpy(&v, t.data<char>() + i * 8, 8);
  return v;
}

// data.shape starts with segment_ids.shape (dims unknown at graph time pass).
inline Status CheckPrefix(const Shape& data, const Shape& ids) {
  bool ok = data.rank() >= ids.rank();
  for (int d = 0; ok && d < ids.rank(); ++d) {
    ok = data.dim(d) < 0 || ids.dim(d) < 0 || data.dim(d) == ids.dim(d);
  }
  OPBRIDGE_REQUIRE(ok, "data.shape = ", data.ToString(), " does not start with segment_ids.shape = ", ids.ToString());
  return Status::Ok();
}

inline Status UnsortedShape(ShapeContext& ctx) {
  const Shape& data = ctx.input(0);
  const Shape& ids = ctx.input(1);
  const Shape& n = ctx.input(2);
  OPBRIDGE_REQUIRE(!n.rank_known() || n.rank() == 0, "num_segments should be a scalar, not shape ", n.ToString());
  if (!data.rank_known() || !ids.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  OPBRIDGE_RETURN_IF_ERROR(CheckPrefix(data, ids));
  std::vector<int64_t> dims{kUnknownDim};
  for (int d = ids.rank(); d < data.rank(); ++d) dims.push_back(data.dim(d));
  if (const ConstTensor* value = ctx.input_value(2); value != nullptr) {
    dims[0] = ReadInt(*value, 0);
    OPBRIDGE_REQUIRE(dims[0] >= 0, "Input num_segments == ", dims[0], " must not be negative.");
    ctx.set_output(0, Shape(dims));
    return Status::Ok();
  }
  ctx.set_output(0, Shape(dims));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <Fold F, typename T>
T InitialValue() {
  if constexpr (F == Fold::kProd) {
    return T(1);
  } else if constexpr (F == Fold::kMax) {
    return Eigen::NumTraits<T>::lowest();
  } else {
    return Eigen::NumTraits<T>::highest();
  }
}

// TF's fold of data value v into accumulator a: std::max(v, a), std::min(v, a), a * v.
template <Fold F, typename T>
inline T Step(T a, T v) {
  if constexpr (F == Fold::kMax) {
    return v < a ? a : v;
  } else if constexpr (F == Fold::kMin) {
    return a < v ? a : v;
  } else {
    return segment::Multiply(a, v);
  }
}

template <Fold F, typename T>
void FoldRows(KernelContext& ctx, const T* in, const std::vector<int64_t>& ids, int64_t rows, int64_t inner, T* out) {
  const T init = InitialValue<F, T>();
  for (int64_t k = 0; k < rows * inner; ++k) out[k] = init;
  const auto count = static_cast<int64_t>(ids.size());
  if (count == 0 || rows == 0 || inner == 0) return;
  // As TF: workers own ranges of output rows and each scans all ids, so every
  // output row still folds its data rows in input order.
  const int64_t cost = count * inner / rows * 2 + count / rows + 1;
  ctx.ParallelFor(rows, cost, [&](int64_t begin, int64_t end) {
    for (int64_t i = 0; i < count; ++i) {
      const int64_t j = ids[static_cast<size_t>(i)];
      if (j < begin || j >= end) continue;  // negative ids included
      const T* __restrict v = in + i * inner;
      T* __restrict a = out + j * inner;
      for (int64_t k = 0; k < inner; ++k) a[k] = Step<F>(a[k], v[k]);
    }
  });
}

template <Fold F, typename... Ts>
Status UnsortedKernel(KernelContext& ctx) {
  const ConstTensor& data = ctx.input(0);
  const ConstTensor& ids_in = ctx.input(1);
  const ConstTensor& n = ctx.input(2);
  for (const ConstTensor* t : {&ids_in, &n}) {
    OPBRIDGE_REQUIRE(t->dtype() == DType::kInt32 || t->dtype() == DType::kInt64, "input '", t->name(),
                     "' must be int32 or int64, got ", DTypeName(t->dtype()));
  }
  OPBRIDGE_REQUIRE(n.rank() == 0, "num_segments should be a scalar, not shape ", n.shape().ToString());
  OPBRIDGE_RETURN_IF_ERROR(CheckPrefix(data.shape(), ids_in.shape()));
  const int64_t rows = ReadInt(n, 0);
  OPBRIDGE_REQUIRE(rows >= 0, "Input num_segments == ", rows, " must not be negative.");
  std::vector<int64_t> dims{rows};
  for (int d = ids_in.rank(); d < data.rank(); ++d) dims.push_back(data.dim(d));
  int64_t inner = 1;
  for (size_t d = 1; d < dims.size(); ++d) inner *= dims[d];
  // num_segments is a value: its product with the row must stay addressable.
  OPBRIDGE_REQUIRE(inner == 0 || rows <= (int64_t{1} << 40) / inner, "output of ", rows, " segments of ", inner,
                   " elements is too large");
  const int64_t count = ids_in.num_elements();
  std::vector<int64_t> ids;
  // TF fills the output and returns before reading any id when data is empty.
  if (data.num_elements() > 0) {
    ids.resize(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
      const int64_t j = ReadInt(ids_in, i);
      OPBRIDGE_REQUIRE(j < rows, "segment_ids", IndexText(ids_in.shape(), i), " = ", j, " is out of range [0, ", rows,
                       ")");
      ids[static_cast<size_t>(i)] = j;
    }
  }
  if (!ctx.output(0).shape().rank_known() || ctx.output(0).shape().dims() != dims) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  }
  return math::DispatchElement<Ts...>(data.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // data may be a constant (4-byte aligned): read from an aligned copy then.
    std::vector<T> copy;
    const T* in = data.data<T>();
    if (reinterpret_cast<uintptr_t>(in) % alignof(T) != 0) {
      copy.resize(static_cast<size_t>(data.num_elements()));
      if (!copy.empty()) std::memcpy(static_cast<void*>(copy.data()), in, copy.size() * sizeof(T));
      in = copy.data();
    }
    FoldRows<F, T>(ctx, in, ids, rows, inner, ctx.output(0).data<T>());
    return Status::Ok();
  });
}

// TF's CPU kernels: real numbers for max and min, every number type for prod.
template <Fold F>
Status RealKernel(KernelContext& ctx) {
  return UnsortedKernel<F, Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t, uint8_t,
                        uint16_t, uint32_t, uint64_t>(ctx);
}

template <Fold F>
Status NumberKernel(KernelContext& ctx) {
  return UnsortedKernel<F, Eigen::half, Eigen::bfloat16, float, double, int8_t, int16_t, int32_t, int64_t, uint8_t,
                        uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(ctx);
}

// TF's op definitions (numbertype less the quantized types, which TF has no
// CPU kernel of these ops for).
constexpr const char* kRealTypes =
    "T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64}";
constexpr const char* kNumberTypes =
    "T: {float, double, int32, uint8, int16, int8, complex64, int64, bfloat16, uint16, complex128, half, uint32, "
    "uint64}";

}  // namespace unsorted_segment
}  // namespace opbridge
