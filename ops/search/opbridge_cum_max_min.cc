// Opbridge>CumMaxMin: torch.cummax (min=false) and torch.cummin (min=true) in
// one kernel: the running maximum (minimum) along `axis` and the int32 position
// it was taken from. litert-torch has no lowering for aten.cummax/cummin;
// opbridge.convert rewrites them onto this op (python/opbridge/torch/
// aten_search.py) and widens the indices to int64.
//
// torch's CPU rule (cummax_cummin_helper, ReduceOps.cpp): an element replaces
// the running value when it is NaN, or when the running value is not NaN and
// the element is >= it (<= for min). So ties take the later position (-0.0
// replaces 0.0 and back), and once a NaN is met the value stays NaN with the
// position of the latest NaN.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "../math/element_types.h"
#include "opbridge/op.h"
#include "values_indices_axis.h"

namespace opbridge {
namespace {

struct CumMaxMinParams {
  int64_t axis = -1;
  bool min = false;

  static void Declare(ParamBinder& b, CumMaxMinParams& p) {
    b.Attr("axis: int = -1", &p.axis);
    b.Attr("min: bool = false", &p.min);
  }
};

Status CumMaxMinShape(ShapeContext& ctx, const CumMaxMinParams& p) { return ValuesAndIndicesShape(ctx, p.axis); }

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_integral_v<T>) {
    return false;
  } else {
    return v != v;
  }
}

// One step of torch's rule: whether x replaces the running value out.
template <typename T, bool kMin>
bool Replaces(T x, T out) {
  const bool better = kMin ? x <= out : x >= out;
  return IsNan(x) || (!IsNan(out) && better);
}

// Scans `width` adjacent columns (inner positions) of one outer block together,
// position by position along the axis: each step reads and writes contiguous
// memory. (One column at a time walked the axis with the inner stride: 10x
// slower along axis 0 of [1000, 1000].)
template <typename T, bool kMin>
void ScanColumns(const T* in, int64_t n, int64_t inner, int64_t width, T* values, int32_t* indices) {
  for (int64_t i = 0; i < width; ++i) {
    values[i] = in[i];
    indices[i] = 0;
  }
  for (int64_t c = 1; c < n; ++c) {
    const T* x = in + c * inner;
    const T* prev = values + (c - 1) * inner;
    const int32_t* prev_at = indices + (c - 1) * inner;
    T* out = values + c * inner;
    int32_t* at = indices + c * inner;
    for (int64_t i = 0; i < width; ++i) {
      const bool take = Replaces<T, kMin>(x[i], prev[i]);
      out[i] = take ? x[i] : prev[i];
      at[i] = take ? static_cast<int32_t>(c) : prev_at[i];
    }
  }
}

// A contiguous row (the last axis): the running value and index in registers.
template <typename T, bool kMin>
void ScanRow(const T* in, int64_t n, T* values, int32_t* indices) {
  T out = in[0];
  int32_t at = 0;
  for (int64_t c = 0; c < n; ++c) {
    if (Replaces<T, kMin>(in[c], out)) {
      out = in[c];
      at = static_cast<int32_t>(c);
    }
    values[c] = out;
    indices[c] = at;
  }
}

template <typename T>
Status CumMaxMinTyped(KernelContext& ctx, const CumMaxMinParams& p, int64_t outer, int64_t n, int64_t inner) {
  const T* in = ctx.input(0).data<T>();
  T* values = ctx.output(0).data<T>();
  int32_t* indices = ctx.output(1).data<int32_t>();
  if (outer * inner == 0 || n == 0) return Status::Ok();
  // Work items: an outer block's columns in chunks of up to 256.
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  ctx.ParallelFor(outer * chunks, n * std::min(inner, kChunk) * 2 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const int64_t first = (w % chunks) * kChunk;
      const int64_t base = (w / chunks) * n * inner + first;
      const int64_t width = std::min(kChunk, inner - first);
      if (inner == 1) {
        if (p.min) {
          ScanRow<T, true>(in + base, n, values + base, indices + base);
        } else {
          ScanRow<T, false>(in + base, n, values + base, indices + base);
        }
      } else if (p.min) {
        ScanColumns<T, true>(in + base, n, inner, width, values + base, indices + base);
      } else {
        ScanColumns<T, false>(in + base, n, inner, width, values + base, indices + base);
      }
    }
  });
  return Status::Ok();
}

Status CumMaxMinKernel(KernelContext& ctx, const CumMaxMinParams& p) {
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
  OPBRIDGE_REQUIRE(n <= std::numeric_limits<int32_t>::max(), "input 'input' has ", n, " elements along axis ", axis,
                   ", more than int32 indices can hold");
  return math::DispatchRealNumber(input.dtype(), [&](auto tag) {
    return CumMaxMinTyped<typename decltype(tag)::type>(ctx, p, outer, n, inner);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>CumMaxMin")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.cummax (min=false) / torch.cummin (min=true) along axis: the running "
                              "extreme and the int32 position it came from (ties: the later; NaN sticks).")
                         .Input("input: T")
                         .Output("values: T")
                         .Output("indices: int32")
                         .Params<CumMaxMinParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, "
                               "uint64}")
                         .ShapeRule(CumMaxMinShape)
                         .Kernel(CumMaxMinKernel));

}  // namespace
}  // namespace opbridge
