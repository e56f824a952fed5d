// Shared by the reductions the converter leaves custom (Mean, Max, Min, Prod;
// Sum has its own file): TF's ReductionHelper rules (axes of any shape read
// flat, in [-rank, rank), no dim twice, keep_dims) and a driver that folds
// each output element's inputs in row-major order: in double for the
// floating types (ReduceDouble), in the element's own type for integers and
// complex (ReduceTyped).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "compensated_lanes.h"
#include "element_types.h"
#include "half_arrays.h"
#include "opbridge/op.h"

namespace opbridge {
namespace math {

// Compensated sum (Neumaier's, as Sum's): the exact rounding error of each
// addition is kept and added back at the end, so a float64 sum is within
// about two roundings of the exact sum whatever the count. The error comes
// from Knuth's branch-free TwoSum, which gives the same (exact) error as
// Neumaier's |sum| >= |x| branch without its mispredictions on mixed signs. A
// compensation made non-finite by infinities or overflow is dropped: the
// plain sum is then TF's answer.
struct CompensatedSum {
  double sum = 0.0;
  double compensation = 0.0;

  void Add(double x) {
    const double t = sum + x;
    const double x_part = t - sum;
    compensation += (sum - (t - x_part)) + (x - x_part);
    sum = t;
  }
  // Adds n contiguous values in 8 interleaved lanes (value i to lane i % 8),
  // each compensated, then folds the lanes in order: independent chains in
  // SIMD packets instead of one serial chain. The order of additions changes,
  // the error bound does not; the lanes are fixed, not the packet width, so
  // every instruction set gives the same bits (compensated_lanes.h: AVX and
  // AVX-512 where the CPU has them).
  void AddSpan(const double* x, int64_t n) {
    constexpr int kLanes = compensated_lanes::kLanes;
    double lane_sum[kLanes], lane_compensation[kLanes];
    int64_t i = compensated_lanes::AddWide(x, n, lane_sum, lane_compensation);  // AVX, AVX-512
    if (i < 0) {
      using Packet = Eigen::internal::packet_traits<double>::type;
      constexpr int kWidth = Eigen::internal::packet_traits<double>::size;
      constexpr int kPackets = kLanes / kWidth;
      static_assert(kLanes % kWidth == 0, "lanes fill whole packets");
      Packet s[kPackets], c[kPackets];
      for (int q = 0; q < kPackets; ++q) s[q] = c[q] = Eigen::internal::pset1<Packet>(0.0);
      for (i = 0; i + kLanes <= n; i += kLanes) {
        for (int q = 0; q < kPackets; ++q) {
          using Eigen::internal::padd;
          using Eigen::internal::psub;
          const Packet v = Eigen::internal::ploadu<Packet>(x + i + q * kWidth);
          const Packet t = padd(s[q], v);
          const Packet v_part = psub(t, s[q]);
          c[q] = padd(c[q], padd(psub(s[q], psub(t, v_part)), psub(v, v_part)));
          s[q] = t;
        }
      }
      for (int q = 0; q < kPackets; ++q) {
        Eigen::internal::pstoreu(lane_sum + q * kWidth, s[q]);
        Eigen::internal::pstoreu(lane_compensation + q * kWidth, c[q]);
      }
    }
    for (int l = 0; l < kLanes; ++l) {
      Add(lane_sum[l]);
      compensation += lane_compensation[l];
    }
    for (; i < n; ++i) Add(x[i]);
  }
  double Result() const { return std::isfinite(compensation) ? sum + compensation : sum; }
};

// out[r] = CompensatedSum{}.AddSpan(x + r * n, n).Result() for r < count, bit
// for bit: where the CPU has AVX-512, 8 runs side by side
// (compensated_lanes::SumRunsAvx512: their lanes, folds and tails as AddSpan
// computes them); the rest run by run. Sum over a last axis of 160 values
// spent a third of its time on per-output overhead and one run's chains.
inline void CompensatedRunSums(const double* x, int64_t n, int64_t count, double* out) {
  for (int64_t r = compensated_lanes::SumRunsWide(x, n, count, out); r < count; ++r) {
    CompensatedSum acc;
    acc.AddSpan(x + r * n, n);
    out[r] = acc.Result();
  }
}

struct ReductionParams {
  bool keep_dims = false;

  static void Declare(ParamBinder& b, ReductionParams& p) { b.Attr("keep_dims: bool = false", &p.keep_dims); }
};

// Which dims are reduced and the output shape (TF's texts).
inline Status PlanReduction(const Shape& input, const ConstTensor& axes, bool keep_dims, std::vector<bool>* reduced,
                            Shape* output) {
  const int rank = input.rank();
  reduced->assign(static_cast<size_t>(rank), false);
  const Status read = Dispatch<int32_t, int64_t>(axes.dtype(), [&](auto tag) {
    const auto* v = axes.data<typename decltype(tag)::type>();
    for (int64_t i = 0; i < axes.num_elements(); ++i) {
      const int64_t a = static_cast<int64_t>(v[i]);
      OPBRIDGE_REQUIRE(a >= -rank && a < rank, "Invalid reduction dimension (", a, " for input with ", rank,
                       " dimension(s)");
      const auto d = static_cast<size_t>(a < 0 ? a + rank : a);
      OPBRIDGE_REQUIRE(!(*reduced)[d], "Invalid reduction arguments: Axes contains duplicate dimension: ", d);
      (*reduced)[d] = true;
    }
    return Status::Ok();
  });
  OPBRIDGE_RETURN_IF_ERROR(read);
  std::vector<int64_t> dims;
  for (int d = 0; d < rank; ++d) {
    if (!(*reduced)[static_cast<size_t>(d)]) {
      dims.push_back(input.dim(d));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  *output = Shape(std::move(dims));
  return Status::Ok();
}

inline Status ReductionShape(ShapeContext& ctx, const ReductionParams& p) {
  const ConstTensor* axes = ctx.input_value(1);
  if (axes == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<bool> reduced;
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduction(ctx.input(0), *axes, p.keep_dims, &reduced, &output));
  ctx.set_output(0, output);
  return Status::Ok();
}

// Where each output's inputs lie (TF's reduction rules, PlanReduction): the
// kept and reduced dims with their strides, `count` inputs per output;
// `trailing` when no kept dim (other than 1) lies inside a reduced one (each
// output's inputs are one contiguous run); else [outer, count, inner] when
// the reduced dims are one contiguous group (inner: the kept dims after it),
// inner = 0 when they are split.
struct ReductionLayout {
  std::vector<int64_t> kept_dims, kept_strides, red_dims, red_strides;
  int64_t out_size = 0, count = 1, outer = 1, inner = 1;
  bool trailing = true;
};

// The layout of input 0 reduced over the axes of input 1; allocates output 0
// where the shape rule left it dynamic.
inline Status PlanLayout(KernelContext& ctx, const ReductionParams& p, ReductionLayout* l) {
  const ConstTensor& x = ctx.input(0);
  std::vector<bool> reduced;
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduction(x.shape(), ctx.input(1), p.keep_dims, &reduced, &output));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, output));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == output.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", output.ToString());
  const int rank = x.rank();
  int64_t stride = 1, kept_inner = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const auto ud = static_cast<size_t>(d);
    (reduced[ud] ? l->red_dims : l->kept_dims).insert((reduced[ud] ? l->red_dims : l->kept_dims).begin(), x.dim(d));
    (reduced[ud] ? l->red_strides : l->kept_strides)
        .insert((reduced[ud] ? l->red_strides : l->kept_strides).begin(), stride);
    if (reduced[ud]) {
      l->count *= x.dim(d);
      if (x.dim(d) > 1 && kept_inner > 1) l->trailing = false;
    } else {
      kept_inner *= x.dim(d);
    }
    stride *= x.dim(d);
  }
  l->out_size = output.num_elements();
  int d = 0;
  while (d < rank && !reduced[static_cast<size_t>(d)]) l->outer *= x.dim(d++);
  while (d < rank && reduced[static_cast<size_t>(d)]) ++d;
  while (d < rank && !reduced[static_cast<size_t>(d)]) l->inner *= x.dim(d++);
  if (d < rank) l->inner = 0;
  return Status::Ok();
}

// Fold's path where a kept dim lies inside a reduced one: each output's
// inputs are found by an odometer over the reduced dims.
template <typename V, typename T, typename Acc, typename Step, typename Finish>
void ReduceStrided(KernelContext& ctx, const ReductionLayout& l, const T* in, T* out, const Acc& init, Step& step,
                   Finish& finish) {
  const int64_t count = l.count;
  ctx.ParallelFor(l.out_size, count + 1, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> coord(l.red_dims.size());
    for (int64_t o = begin; o < end; ++o) {
      int64_t base = 0, rest = o;
      for (size_t k = l.kept_dims.size(); k-- > 0;) {
        base += (rest % l.kept_dims[k]) * l.kept_strides[k];
        rest /= l.kept_dims[k];
      }
      Acc acc = init;
      std::fill(coord.begin(), coord.end(), 0);
      int64_t offset = base;
      for (int64_t i = 0; i < count; ++i) {
        step(acc, static_cast<V>(in[offset]));
        for (size_t k = l.red_dims.size(); k-- > 0;) {  // odometer over the reduced dims, innermost first
          offset += l.red_strides[k];
          if (++coord[k] < l.red_dims[k]) break;
          offset -= coord[k] * l.red_strides[k];
          coord[k] = 0;
        }
      }
      out[o] = static_cast<T>(finish(acc, count));
    }
  });
}

// out[o] = finish(fold of step(acc, x) over the inputs reduced into o, from
// init, in row-major order, count), each input seen as a V: double for the
// floating types (ReduceDouble), the element type itself where the fold is
// exact in it (ReduceTyped: integers, complex). A contiguous run of inputs
// (the reduced dims innermost) goes to span(acc, first, count), which folds
// it as the steps would (or in lanes where that changes no bits the tests
// ask for).
template <typename V, typename T, typename Acc, typename Step, typename Finish, typename Span>
void Fold(KernelContext& ctx, const ReductionLayout& l, const T* in, T* out, const Acc& init, Step& step,
          Finish& finish, Span& span) {
  const int64_t count = l.count, inner = l.inner;
  if (l.trailing) {
    ctx.ParallelFor(l.out_size, count + 1, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o) {
        Acc acc = init;
        if constexpr (std::is_same_v<T, V>) {
          span(acc, in + o * count, count);
        } else {  // widened a block at a time (half_arrays.h: F16C where the CPU has it)
          float block[256];
          double wide[256];
          for (int64_t i0 = 0; i0 < count; i0 += 256) {
            const int64_t m = std::min<int64_t>(256, count - i0);
            Widen(in + o * count + i0, block, m);
            for (int64_t i = 0; i < m; ++i) wide[i] = block[i];
            span(acc, wide, m);
          }
        }
        out[o] = static_cast<T>(finish(acc, count));
      }
    });
    return;
  }
  if (inner > 1) {
    // The reduced dims are one contiguous group with kept dims after it
    // ([outer, count, inner]: tf.reduce_mean(x, [1, 2]) of NHWC, or axis 0):
    // a block of up to 256 adjacent outputs is folded row by row of the
    // group, each output's inputs in the same order as the odometer's (so
    // the same bits), reading contiguous runs. Output by output, the
    // odometer read every inner-th element (Mean f64 [32,64,64,16] over
    // [1, 2]: 4.2x TF's time; axis 0 of [1024,256] 1.15x).
    constexpr int64_t kBlock = 256;
    const int64_t blocks = (inner + kBlock - 1) / kBlock;
    ctx.ParallelFor(l.outer * blocks, count * std::min(kBlock, inner) + 1, [&](int64_t begin, int64_t end) {
      std::vector<Acc> acc(static_cast<size_t>(std::min(kBlock, inner)), init);
      for (int64_t u = begin; u < end; ++u) {
        const int64_t a = u / blocks, first = (u % blocks) * kBlock;
        const int64_t width = std::min(kBlock, inner - first);
        std::fill(acc.begin(), acc.begin() + width, init);
        const T* base = in + a * count * inner + first;
        if constexpr (std::is_same_v<Acc, CompensatedSum>) {
          // CompensatedSum::Add on separate arrays of sums and
          // compensations, which the compiler vectorizes across outputs
          // (the same operations per output, so the same bits).
          double sum[kBlock], compensation[kBlock];
          for (int64_t b = 0; b < width; ++b) sum[b] = compensation[b] = 0.0;
          for (int64_t r = 0; r < count; ++r) {
            const T* row = base + r * inner;
            for (int64_t b = 0; b < width; ++b) {
              const double v = static_cast<double>(row[b]);
              const double t = sum[b] + v;
              const double v_part = t - sum[b];
              compensation[b] += (sum[b] - (t - v_part)) + (v - v_part);
              sum[b] = t;
            }
          }
          for (int64_t b = 0; b < width; ++b) acc[static_cast<size_t>(b)] = CompensatedSum{sum[b], compensation[b]};
        } else {
          for (int64_t r = 0; r < count; ++r) {
            const T* row = base + r * inner;
            for (int64_t b = 0; b < width; ++b) step(acc[static_cast<size_t>(b)], static_cast<V>(row[b]));
          }
        }
        T* dst = out + a * inner + first;
        for (int64_t b = 0; b < width; ++b) dst[b] = static_cast<T>(finish(acc[static_cast<size_t>(b)], count));
      }
    });
    return;
  }
  ReduceStrided<V>(ctx, l, in, out, init, step, finish);
}

// Fold for input 0 (float64, float32, half or bfloat16: fn sees each element
// as a double) and axes input 1. half, bfloat16 and float fold in double too
// and round once at the end (TF's half Mean and Prod round after every step,
// its float ones sum packets in float: ours are the closer ones).
template <typename Acc, typename Step, typename Finish, typename Span>
Status ReduceDouble(KernelContext& ctx, const ReductionParams& p, Acc init, Step step, Finish finish, Span span) {
  ReductionLayout l;
  OPBRIDGE_RETURN_IF_ERROR(PlanLayout(ctx, p, &l));
  const ConstTensor& x = ctx.input(0);
  return DispatchElement<double, float, Eigen::half, Eigen::bfloat16>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Fold<double>(ctx, l, x.data<T>(), ctx.output(0).data<T>(), init, step, finish, span);
    return Status::Ok();
  });
}

// Fold with each element seen as its own type T, for the types Ts (integers,
// complex), by Policy: `Policy::Acc<T>` the accumulator, `Policy::Init<T>()`
// its start, `Policy::Step(acc, x)`, `Policy::Finish<T>(acc, count)` the
// output. Runs are folded step by step in order: for integers every order
// gives the same bits (wrapping sums and products are associative), and the
// compiler vectorizes the loop.
// `as`: the dtype whose element type reads the input and writes the output
// (the input's own, or its UnsignedOfWidth where the fold only wraps).
template <typename Policy, typename... Ts>
Status ReduceTyped(KernelContext& ctx, const ReductionParams& p, DType as) {
  ReductionLayout l;
  OPBRIDGE_RETURN_IF_ERROR(PlanLayout(ctx, p, &l));
  const ConstTensor& x = ctx.input(0);
  return DispatchElement<Ts...>(as, [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = typename Policy::template Acc<T>;
    auto step = [](Acc& acc, T v) { Policy::Step(acc, v); };
    auto finish = [](const Acc& acc, int64_t count) { return Policy::template Finish<T>(acc, count); };
    auto span = [](Acc& acc, const T* v, int64_t n) {
      for (int64_t i = 0; i < n; ++i) Policy::Step(acc, v[i]);
    };
    Fold<T>(ctx, l, x.data<T>(), ctx.output(0).data<T>(), Policy::template Init<T>(), step, finish, span);
    return Status::Ok();
  });
}

template <typename Policy, typename... Ts>
Status ReduceTyped(KernelContext& ctx, const ReductionParams& p) {
  return ReduceTyped<Policy, Ts...>(ctx, p, ctx.input(0).dtype());
}

// Max (kMax) or Min of a contiguous run into acc, as TF's reducer folded in
// order gives it (`acc = NaN in acc or x ? (acc's NaN, else x's) : (x at or
// beyond acc ? x : acc)`): four lanes of plain max (the sequential compare
// chain was 1.2x TF's time), and the run again in order when the lanes saw a
// NaN (the first one's payload is kept) or ended at zero (of equal zeros, +0
// and -0, the last one is kept). Other ties are the same bits either way.
template <bool kMax>
void ExtremumSpan(double& acc, const double* x, int64_t n) {
  const auto beyond = [](double a, double b) { return kMax ? a > b : a < b; };
  double lanes[4] = {acc, acc, acc, acc};
  bool nan = acc != acc;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int j = 0; j < 4; ++j) {
      const double v = x[i + j];
      nan |= v != v;
      lanes[j] = beyond(v, lanes[j]) ? v : lanes[j];
    }
  }
  double result = acc;
  for (const double lane : lanes) result = beyond(lane, result) ? lane : result;
  for (; i < n; ++i) {
    nan |= x[i] != x[i];
    result = beyond(x[i], result) ? x[i] : result;
  }
  if (!nan && result != 0.0) {
    acc = result;
    return;
  }
  for (int64_t k = 0; k < n; ++k) {
    const double v = x[k];
    acc = (acc != acc || v != v) ? (acc != acc ? acc : v) : (beyond(acc, v) ? acc : v);
  }
}

// The product of a contiguous run into acc: eight lanes (element k in lane
// k % 8) multiplied as ((l0 l1)(l2 l3))((l4 l5)(l6 l7)), then the last n % 8
// in order. The sequential chain (one multiply's latency per element) was
// 1.2x TF's time; TF multiplies packets in another tree, so neither order is
// TF's bits (the tests allow 1e-14 relative).
inline void ProductSpan(double& acc, const double* x, int64_t n) {
  double lanes[8] = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) lanes[j] *= x[i + j];
  }
  double product = ((lanes[0] * lanes[1]) * (lanes[2] * lanes[3])) * ((lanes[4] * lanes[5]) * (lanes[6] * lanes[7]));
  for (; i < n; ++i) product *= x[i];
  acc *= product;
}

template <typename Acc, typename Step, typename Finish>
Status ReduceDouble(KernelContext& ctx, const ReductionParams& p, Acc init, Step step, Finish finish) {
  return ReduceDouble(ctx, p, init, step, finish, [&step](Acc& acc, const double* first, int64_t n) {
    for (int64_t i = 0; i < n; ++i) step(acc, first[i]);
  });
}

}  // namespace math
}  // namespace opbridge
