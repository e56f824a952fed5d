// Shared by the float64 elementwise ops the converter leaves custom (TFLite's
// builtins have no float64 kernels): per-element maps whose output type may
// differ from the input's (comparisons and IsNan give bool), unary and binary
// with TF's broadcasting (broadcast.h), and the ternary broadcast of SelectV2.
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "broadcast.h"

namespace opbridge {
namespace math {

// y[i] = fn(x[i]); y's type is fn's result type (bool for predicates).
template <typename... Ts, typename Fn>
Status UnaryMap(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn) {
  const ConstTensor& x = ctx.input(0);
  return DispatchElement<Ts...>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using R = std::decay_t<decltype(fn(T{}))>;
    const T* in = x.data<T>();
    R* out = ctx.output(0).data<R>();
    ctx.ParallelFor(x.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) out[i] = fn(in[i]);
    });
    return Status::Ok();
  });
}

// z[o] = fn(x[ix], y[iy]) over TF's broadcast of inputs 0 and 1; z's type is
// fn's result type. Same checks as BinaryBroadcast (at most 5 merged dims).
template <typename... Ts, typename Fn>
Status BinaryMap(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(a.dtype() == b.dtype(), "inputs '", a.name(), "' and '", b.name(), "' differ in dtype: ",
                   DTypeName(a.dtype()), " vs ", DTypeName(b.dtype()));
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(BroadcastShape(a.shape(), b.shape(), &shape));
  OPBRIDGE_REQUIRE(shape.dims() == y.shape().dims(), "output '", y.name(), "' is ", y.shape().ToString(),
                   ", the inputs broadcast to ", shape.ToString());
  const bool flat = a.shape().dims() == b.shape().dims() || a.num_elements() == 1 || b.num_elements() == 1;
  OPBRIDGE_REQUIRE(flat || MergedBroadcastRank(a.shape(), b.shape()) <= kMaxMergedBroadcastDims,
                   "Broadcast between ", a.shape().ToString(), " and ", b.shape().ToString(),
                   " is not supported yet (TF broadcasts at most ", kMaxMergedBroadcastDims, " merged dims)");
  return DispatchElement<Ts...>(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using R = std::decay_t<decltype(fn(T{}, T{}))>;
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    R* out = y.data<R>();
    if (flat) {
      const int64_t step_a = a.num_elements() == y.num_elements() ? 1 : 0;
      const int64_t step_b = b.num_elements() == y.num_elements() ? 1 : 0;
      ctx.ParallelFor(y.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) out[o] = fn(pa[o * step_a], pb[o * step_b]);
      });
      return Status::Ok();
    }
    const BroadcastIndex index(a.shape(), b.shape(), y.shape());
    ctx.ParallelFor(y.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
      index.ForRange(begin, end, [&](int64_t o, int64_t ia, int64_t ib) { out[o] = fn(pa[ia], pb[ib]); });
    });
    return Status::Ok();
  });
}

// Strides of `in` (numpy-aligned to the right) read at each dim of `out`: 0
// where `in` is broadcast.
inline std::vector<int64_t> BroadcastStrides(const Shape& in, const Shape& out) {
  const int rank = out.rank();
  std::vector<int64_t> strides(static_cast<size_t>(rank), 0);
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    const int k = i - (rank - in.rank());
    const int64_t d = k >= 0 ? in.dim(k) : 1;
    strides[static_cast<size_t>(i)] = d == 1 ? 0 : s;
    s *= d;
  }
  return strides;
}

// Walks the output's elements in [begin, end) in row-major order, keeping
// the offsets into each input (given by their broadcast strides) current.
template <size_t N, typename Fn>
void ForBroadcast(const Shape& out, const std::vector<int64_t> (&strides)[N], int64_t begin, int64_t end,
                  Fn&& fn) {
  const int rank = out.rank();
  std::vector<int64_t> coord(static_cast<size_t>(rank), 0);
  int64_t offset[N] = {};
  int64_t rest = begin;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t dim = out.dim(d);
    coord[static_cast<size_t>(d)] = dim ? rest % dim : 0;
    rest = dim ? rest / dim : 0;
    for (size_t k = 0; k < N; ++k) offset[k] += coord[static_cast<size_t>(d)] * strides[k][static_cast<size_t>(d)];
  }
  for (int64_t o = begin; o < end; ++o) {
    fn(o, offset);
    for (int d = rank - 1; d >= 0; --d) {
      const auto ud = static_cast<size_t>(d);
      for (size_t k = 0; k < N; ++k) offset[k] += strides[k][ud];
      if (++coord[ud] < out.dim(d)) break;
      for (size_t k = 0; k < N; ++k) offset[k] -= coord[ud] * strides[k][ud];
      coord[ud] = 0;
    }
  }
}

}  // namespace math
}  // namespace opbridge
