// Broadcasting for the binary elementwise math ops (Igamma, Igammac), with
// the rules of TF's binary cwise kernels (BinaryOp over BCast):
//  - numpy broadcasting; incompatible shapes are an error;
//  - equal shapes, or an input with exactly one element, need no broadcast;
//  - otherwise TF merges neighbouring dims that broadcast alike and supports
//    at most 5 merged dims ("not supported yet" beyond): so do we.
#pragma once

#include <algorithm>
#include <type_traits>
#include <vector>

#include "avx2_dispatch.h"
#include "elementwise.h"
#include "half_arrays.h"

namespace opbridge {
namespace math {

constexpr int kMaxMergedBroadcastDims = 5;  // TF's BinaryOp handles NDIMS 1..5

// The broadcast shape of a and b; unknown dims (graph time) stay unknown
// unless the other side fixes them.
inline Status BroadcastShape(const Shape& a, const Shape& b, Shape* out) {
  if (!a.rank_known() || !b.rank_known()) {
    *out = Shape::UnknownRank();
    return Status::Ok();
  }
  const int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    int64_t d;
    if (da == 1) {
      d = db;
    } else if (db == 1) {
      d = da;
    } else if (da == kUnknownDim || db == kUnknownDim) {
      d = da == kUnknownDim ? db : da;
    } else if (da == db) {
      d = da;
    } else {
      return Errorf("Incompatible shapes: ", a.ToString(), " vs. ", b.ToString());
    }
    dims[static_cast<size_t>(i)] = d;
  }
  *out = Shape(std::move(dims));
  return Status::Ok();
}

// How many dims TF's BCast leaves after dropping dims where both sides are 1
// and merging neighbours where the same sides are 1.
inline int MergedBroadcastRank(const Shape& a, const Shape& b) {
  const int rank = std::max(a.rank(), b.rank());
  int merged = 0;
  int prev_state = -1;
  for (int i = 0; i < rank; ++i) {
    const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
    const bool a_one = (ia >= 0 ? a.dim(ia) : 1) == 1, b_one = (ib >= 0 ? b.dim(ib) : 1) == 1;
    if (a_one && b_one) continue;
    const int state = (a_one ? 1 : 0) | (b_one ? 2 : 0);
    if (state != prev_state) ++merged;
    prev_state = state;
  }
  return merged;
}

// Maps each element of the broadcast output to the elements of a and b it reads.
class BroadcastIndex {
 public:
  BroadcastIndex(const Shape& a, const Shape& b, const Shape& out) : out_dims_(out.dims()) {
    const int rank = out.rank();
    a_strides_.assign(static_cast<size_t>(rank), 0);
    b_strides_.assign(static_cast<size_t>(rank), 0);
    int64_t sa = 1, sb = 1;
    for (int i = rank - 1; i >= 0; --i) {
      const int ia = i - (rank - a.rank()), ib = i - (rank - b.rank());
      const int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
      a_strides_[static_cast<size_t>(i)] = da == 1 ? 0 : sa;  // a broadcast dim re-reads the same element
      b_strides_[static_cast<size_t>(i)] = db == 1 ? 0 : sb;
      sa *= da;
      sb *= db;
    }
  }

  // fn(o, ia, ib, step_a, step_b, run) for the output elements [begin, end),
  // a run along the innermost dim at a time: output o + j reads a[ia + j *
  // step_a] and b[ib + j * step_b], j < run (steps 0 or 1).
  template <typename Fn>
  void ForRuns(int64_t begin, int64_t end, Fn&& fn) const {
    const size_t rank = out_dims_.size();
    if (rank == 0) {
      if (begin < end) fn(begin, int64_t{0}, int64_t{0}, int64_t{0}, int64_t{0}, int64_t{1});
      return;
    }
    std::vector<int64_t> coord(rank, 0);
    int64_t ia = 0, ib = 0, rest = begin;
    for (size_t d = rank; d-- > 0;) {
      coord[d] = out_dims_[d] ? rest % out_dims_[d] : 0;
      rest = out_dims_[d] ? rest / out_dims_[d] : 0;
      ia += coord[d] * a_strides_[d];
      ib += coord[d] * b_strides_[d];
    }
    const size_t last = rank - 1;
    const int64_t inner = out_dims_[last], step_a = a_strides_[last], step_b = b_strides_[last];
    for (int64_t o = begin; o < end;) {
      const int64_t run = std::min(end - o, inner - coord[last]);
      fn(o, ia, ib, step_a, step_b, run);
      o += run;
      ia += run * step_a;
      ib += run * step_b;
      coord[last] += run;
      if (coord[last] < inner) continue;
      ia -= coord[last] * step_a;
      ib -= coord[last] * step_b;
      coord[last] = 0;
      // Odometer step of the outer dims.
      for (size_t d = last; d-- > 0;) {
        ia += a_strides_[d];
        ib += b_strides_[d];
        if (++coord[d] < out_dims_[d]) break;
        ia -= coord[d] * a_strides_[d];
        ib -= coord[d] * b_strides_[d];
        coord[d] = 0;
      }
    }
  }

 private:
  std::vector<int64_t> out_dims_, a_strides_, b_strides_;
};

// out[j] = fn(a[j * step_a], b[j * step_b]) for j < n, steps 0 or 1: one loop
// per pair of steps, so that each is a plain loop the compiler vectorizes
// (a step multiplied in made every load a gather and kept them scalar).
template <typename T, typename R, typename Fn>
inline void MapRun(const T* a, int64_t step_a, const T* b, int64_t step_b, R* out, int64_t n, Fn& fn) {
  if (step_a != 0 && step_b != 0) {
    for (int64_t j = 0; j < n; ++j) out[j] = fn(a[j], b[j]);
  } else if (step_a != 0) {
    const T b0 = b[0];
    for (int64_t j = 0; j < n; ++j) out[j] = fn(a[j], b0);
  } else if (step_b != 0) {
    const T a0 = a[0];
    for (int64_t j = 0; j < n; ++j) out[j] = fn(a0, b[j]);
  } else {
    const R v = fn(a[0], b[0]);
    for (int64_t j = 0; j < n; ++j) out[j] = v;
  }
}

inline Status BroadcastBinaryShape(ShapeContext& ctx) {
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(BroadcastShape(ctx.input(0), ctx.input(1), &out));
  ctx.set_output(0, out);
  return Status::Ok();
}

// Whether fn(x, y) is one arithmetic step (x + y, x * y, ...): for half and
// bfloat16, Eigen computes such a step in float and rounds once, so the
// inputs can be widened by the block and the results rounded by the block
// (half_arrays.h), the same values at a fraction of the per-element
// conversions. Formulas of several steps round after each in T: kSteps.
enum class Fusing { kSteps, kOneStep };

// out[0, n) = fn(a, b) on widened blocks, for a one-step fn and a half or
// bfloat16 T; a and b advance by their steps (0 or 1).
template <typename T, typename Fn>
void OneStepRun(const T* a, int64_t step_a, const T* b, int64_t step_b, T* out, int64_t n, Fn& fn) {
  float fa[256], fb[256];
  for (int64_t i = 0; i < n; i += 256) {
    const int64_t m = n - i < 256 ? n - i : 256;
    if (step_a) Widen(a + i, fa, m);
    if (step_b) Widen(b + i, fb, m);
    const float a0 = static_cast<float>(a[0]), b0 = static_cast<float>(b[0]);
    for (int64_t j = 0; j < m; ++j) fa[j] = fn(step_a ? fa[j] : a0, step_b ? fb[j] : b0);
    Narrow(fa, out + i, m);
  }
}

// y over the broadcast of inputs 0 and 1, TF's way, a run at a time:
// run(a, step_a, b, step_b, out, n) sets out[j] from a[j * step_a] and
// b[j * step_b] for j < n (steps 0 or 1), with pointers to one of Ts.
template <typename... Ts, typename Run>
Status BinaryBroadcastRuns(KernelContext& ctx, int64_t cost_per_element_ns, Run run) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  const Tensor& y = ctx.output(0);
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
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* out = y.data<T>();
    const int64_t step_a = a.num_elements() == y.num_elements() ? 1 : 0;
    const int64_t step_b = b.num_elements() == y.num_elements() ? 1 : 0;
    if (flat) {
      ctx.ParallelFor(y.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
        run(pa + begin * step_a, step_a, pb + begin * step_b, step_b, out + begin, end - begin);
      });
      return Status::Ok();
    }
    const BroadcastIndex index(a.shape(), b.shape(), y.shape());
    ctx.ParallelFor(y.num_elements(), cost_per_element_ns, [&](int64_t begin, int64_t end) {
      index.ForRuns(begin, end, [&](int64_t o, int64_t ia, int64_t ib, int64_t sa, int64_t sb, int64_t n) {
        run(pa + ia, sa, pb + ib, sb, out + o, n);
      });
    });
    return Status::Ok();
  });
}

// y[o] = fn(a[ia], b[ib]) over the broadcast of inputs 0 and 1, TF's way.
template <typename... Ts, typename Fn>
Status BinaryBroadcast(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn, Fusing fusing = Fusing::kSteps) {
  const auto run = [&](const auto* a, int64_t step_a, const auto* b, int64_t step_b, auto* out, int64_t n) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(a)>>;
    if constexpr (math::kHalfType<T>) {
      if (fusing == Fusing::kOneStep) return OneStepRun(a, step_a, b, step_b, out, n, fn);
    }
    MapRun(a, step_a, b, step_b, out, n, fn);
  };
  return BinaryBroadcastRuns<Ts...>(ctx, cost_per_element_ns, run);
}

// BinaryBroadcast for a scalar fn with a path in AVX2 lanes: lanes(a, step_a,
// b, step_b, out, n) takes the runs of the types it accepts (float, double)
// on CPUs with AVX2 (it must give fn's bits), fn the rest (Zeta, Polygamma,
// Igamma, Igammac).
template <typename... Ts, typename Fn, typename Lanes>
Status BinaryBroadcastWithLanes(KernelContext& ctx, int64_t cost_per_element_ns, Fn fn, Lanes lanes) {
  const auto run = [&](const auto* a, int64_t step_a, const auto* b, int64_t step_b, auto* out, int64_t n) {
    using T = std::decay_t<decltype(*a)>;
    if constexpr (std::is_invocable_v<Lanes, const T*, int64_t, const T*, int64_t, T*, int64_t>) {
      if (UseAvx2()) return lanes(a, step_a, b, step_b, out, n);
    }
    MapRun(a, step_a, b, step_b, out, n, fn);
  };
  return BinaryBroadcastRuns<Ts...>(ctx, cost_per_element_ns, run);
}

}  // namespace math
}  // namespace opbridge
