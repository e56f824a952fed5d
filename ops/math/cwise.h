// Shared by the float64, half and bfloat16 elementwise ops the converter leaves custom (TFLite's
// builtins have no float64 kernels): per-element maps whose output type may
// differ from the input's (comparisons and IsNan give bool), unary and binary
// with TF's broadcasting (broadcast.h), and the ternary broadcast of SelectV2.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "broadcast.h"

namespace opbridge {
namespace math {

// c ? a : b without a branch: `c ? p[i] : q[i]` branched per element, and a
// random condition mispredicts half the time. Values of whole 8-byte words
// (double, complex, the data-moving ops' byte elements) are chosen word by
// word through a mask, bits unchanged; others by a plain select.
template <typename T>
inline T Pick(bool c, const T& a, const T& b) {
  if constexpr (std::is_trivially_copyable_v<T> && std::is_default_constructible_v<T> && sizeof(T) % 8 == 0) {
    const uint64_t mask = uint64_t{0} - static_cast<uint64_t>(c);
    T r;
    for (size_t w = 0; w < sizeof(T); w += 8) {
      uint64_t x, y;
      std::memcpy(&x, reinterpret_cast<const unsigned char*>(&a) + w, 8);
      std::memcpy(&y, reinterpret_cast<const unsigned char*>(&b) + w, 8);
      const uint64_t v = (x & mask) | (y & ~mask);
      std::memcpy(reinterpret_cast<unsigned char*>(&r) + w, &v, 8);
    }
    return r;
  } else {
    return c ? a : b;
  }
}

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

// y[i] = fn(x[i]) for an fn that is exact on T's values (a selection such as
// Relu's) or one arithmetic step: half and bfloat16 are widened to float by
// the block, fn runs on floats, and the results are rounded back by the
// block (half_arrays.h), the values of fn on T without converting one element
// at a time.
template <typename... Ts, typename Fn>
Status UnaryOneStep(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn) {
  const ConstTensor& x = ctx.input(0);
  return DispatchElement<Ts...>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    ctx.ParallelFor(x.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
      if constexpr (kHalfType<T>) {
        MapWidened(in + begin, out + begin, end - begin, fn);
      } else {
        for (int64_t i = begin; i < end; ++i) out[i] = fn(in[i]);
      }
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
        MapRun(pa + begin * step_a, step_a, pb + begin * step_b, step_b, out + begin, end - begin, fn);
      });
      return Status::Ok();
    }
    const BroadcastIndex index(a.shape(), b.shape(), y.shape());
    ctx.ParallelFor(y.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
      index.ForRuns(begin, end, [&](int64_t o, int64_t ia, int64_t ib, int64_t sa, int64_t sb, int64_t run) {
        MapRun(pa + ia, sa, pb + ib, sb, out + o, run, fn);
      });
    });
    return Status::Ok();
  });
}

// TF's realnumbertypes, the T of most binary cwise CPU kernels (Maximum,
// comparisons, FloorDiv, ...), and BinaryMap over them (DispatchRealNumber's list).
constexpr const char* kRealNumberTypes =
    "T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, uint64}";

template <typename Fn>
Status BinaryMapRealNumber(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn) {
  return BinaryMap<double, Eigen::half, Eigen::bfloat16, float, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t,
                   uint32_t, uint64_t>(ctx, cost_per_element_ns, fn);
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
// fn(o, at, step, run) covers `run` consecutive outputs from o along the
// innermost dim: input k's elements are at[k] + j * step[k], j < run. A run
// per call (not an element) lets the caller's inner loop vectorize and skip
// the per-element carry over the dims.
template <size_t N, typename Fn>
void ForBroadcast(const Shape& out, const std::vector<int64_t> (&strides)[N], int64_t begin, int64_t end,
                  Fn&& fn) {
  const int rank = out.rank();
  if (rank == 0) {
    const int64_t at[N] = {}, step[N] = {};
    if (begin < end) fn(begin, at, step, int64_t{1});
    return;
  }
  std::vector<int64_t> coord(static_cast<size_t>(rank), 0);
  int64_t offset[N] = {};
  int64_t rest = begin;
  for (int d = rank - 1; d >= 0; --d) {
    const int64_t dim = out.dim(d);
    coord[static_cast<size_t>(d)] = dim ? rest % dim : 0;
    rest = dim ? rest / dim : 0;
    for (size_t k = 0; k < N; ++k) offset[k] += coord[static_cast<size_t>(d)] * strides[k][static_cast<size_t>(d)];
  }
  const auto last = static_cast<size_t>(rank - 1);
  const int64_t inner = out.dim(rank - 1);
  int64_t step[N];
  for (size_t k = 0; k < N; ++k) step[k] = strides[k][last];
  for (int64_t o = begin; o < end;) {
    const int64_t run = std::min(end - o, inner - coord[last]);
    fn(o, static_cast<const int64_t*>(offset), static_cast<const int64_t*>(step), run);
    o += run;
    for (size_t k = 0; k < N; ++k) offset[k] += run * step[k];
    coord[last] += run;
    if (coord[last] < inner) continue;
    // Carry into the outer dims.
    for (size_t k = 0; k < N; ++k) offset[k] -= coord[last] * step[k];
    coord[last] = 0;
    for (int d = rank - 2; d >= 0; --d) {
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
