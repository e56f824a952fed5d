// SparseReduceSum, SparseReduceMax and their *Sparse forms: tf.sparse.
// reduce_sum / reduce_max (output_is_sparse for the *Sparse ones). TFLite has
// no kernel.
//
// As TF's CPU kernel (sparse_reduce_op.cc):
// - checks in TF's order and words: input_shape a vector, reduction_axes a
//   scalar or vector of axes in [-rank, rank) (repeats allowed), the shape a
//   valid TensorShape, SparseTensor::Create's checks. Indices are neither
//   range- nor order-checked: entries are sorted (TF's Reorder: kept dims
//   first, then the reduced ones, the same std::sort) and each run of equal
//   kept coordinates is one output; a run whose output position falls outside
//   the output is TF's "Obtained a write index" error;
// - the dense forms start from zeros (positions no entry reaches are 0, for
//   max too); the sparse forms list the groups in order, keep_dims giving the
//   reduced dims index 0;
// - each group's values reduced as Eigen's inner-most reducer does in TF's
//   AVX build (EigenReduce): P lanes (8 floats, 4 doubles, 8 halves or
//   bfloat16s, 4 complex64, 2 complex128) in four accumulators over runs of
//   4P (then merged), then single packets, the rest folded in order from the
//   initial value into a scalar, the lanes folded in halves and combined with
//   the scalar last; half and bfloat16 lanes rounded at each addition and
//   folded in float. Sums of more than P * leaf values (leaf 1024, half 200,
//   bfloat16 128) are split in halves first (Eigen's tree).
//   Integers wrap (any order gives the same bits). Max starts from -inf
//   (lowest for integers) and keeps the running value unless the new one is
//   not less (so a NaN entry is kept until a later number replaces it, as TF).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "../math/element_types.h"
#include "sparse_util.h"

namespace opbridge {
namespace sparse {

enum class Reducer { kSum, kMax };

struct ReduceParams {
  bool keep_dims = false;

  static void Declare(ParamBinder& b, ReduceParams& p) { b.Attr("keep_dims: bool = false", &p.keep_dims); }
};

// Eigen's packet width for T in TF's x86 build (AVX).
template <typename T>
constexpr int Lanes() {
  if constexpr (std::is_same_v<T, double>) return 4;
  if constexpr (std::is_same_v<T, std::complex<float>>) return 4;
  if constexpr (std::is_same_v<T, std::complex<double>>) return 2;
  return 8;
}

template <typename T>
constexpr bool IsHalfLike() {
  return std::is_same_v<T, Eigen::half> || std::is_same_v<T, Eigen::bfloat16>;
}

template <Reducer R, typename T>
T Initial() {
  if constexpr (R == Reducer::kSum) {
    return T(0);
  } else if constexpr (std::is_integral_v<T>) {
    return std::numeric_limits<T>::lowest();
  } else {
    return T(-std::numeric_limits<float>::infinity());
  }
}

template <Reducer R, typename T>
inline T Combine(T acc, T x) {
  if constexpr (R == Reducer::kMax) {
    return x < acc ? acc : x;
  } else if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(acc) + static_cast<U>(x)));
  } else {
    return acc + x;  // half, bfloat16: rounded to T
  }
}

// A packet lane's step (Eigen's reducePacket: pmax(acc, p), which is
// _mm256_max_ps(p, acc)): the new value only when greater, so a NaN lane
// value is dropped and a NaN accumulator kept (the scalar step, Combine,
// keeps the new value unless it is less).
template <Reducer R, typename T>
inline T CombineLane(T acc, T x) {
  if constexpr (R == Reducer::kMax) {
    return x > acc ? x : acc;
  } else {
    return Combine<R>(acc, x);
  }
}

// predux_max's step (_mm_max_ps(low, high)): low when greater, else high.
template <Reducer R, typename T>
inline T FoldStep(T low, T high) {
  if constexpr (R == Reducer::kMax) {
    return low > high ? low : high;
  } else {
    return Combine<R>(low, high);
  }
}

// Eigen's fold of P lanes (predux / predux_max): halves combined, pairwise.
// Half and bfloat16 lanes are widened to float and the result rounded once.
template <Reducer R, typename T, int P>
T FoldLanes(const T (&lanes)[P]) {
  if constexpr (IsHalfLike<T>()) {
    float f[P];
    for (int l = 0; l < P; ++l) f[l] = static_cast<float>(lanes[l]);
    for (int w = P / 2; w >= 1; w /= 2) {
      for (int l = 0; l < w; ++l) f[l] = FoldStep<R>(f[l], f[l + w]);
    }
    return T(f[0]);
  } else {
    T a[P];
    for (int l = 0; l < P; ++l) a[l] = lanes[l];
    for (int w = P / 2; w >= 1; w /= 2) {
      for (int l = 0; l < w; ++l) a[l] = FoldStep<R>(a[l], a[l + w]);
    }
    return a[0];
  }
}

// Eigen's leaf size for its tree of sums (TF's pinned Eigen).
template <typename T>
constexpr int64_t LeafSize() {
  return std::is_same_v<T, Eigen::half> ? 200 : std::is_same_v<T, Eigen::bfloat16> ? 128 : 1024;
}

// Eigen's InnerMostDimReducer over x[0..n) (the file's comment).
template <Reducer R, typename T>
T EigenReduce(const T* x, int64_t n) {
  constexpr int P = Lanes<T>();
  if constexpr (std::is_integral_v<T> && R == Reducer::kSum) {
    T acc = T(0);  // wrapping sums: any order, the same bits
    for (int64_t i = 0; i < n; ++i) acc = Combine<R>(acc, x[i]);
    return acc;
  } else {
    if constexpr (R == Reducer::kSum) {
      if (n > P * LeafSize<T>()) {  // Eigen's tree: halves split at a packet boundary
        const int64_t split = P * (((n + 1) / 2 + P - 1) / P);
        T acc = Combine<R>(Initial<R, T>(), EigenReduce<R>(x, split));
        return Combine<R>(acc, EigenReduce<R>(x + split, n - split));
      }
    }
    T acc[4][P];
    for (auto& a : acc) {
      for (T& v : a) v = Initial<R, T>();
    }
    int64_t j = 0;
    if (n >= 4 * P) {
      const int64_t end4 = n / (4 * P) * (4 * P);
      for (; j < end4; j += 4 * P) {
        for (int a = 0; a < 4; ++a) {
          for (int l = 0; l < P; ++l) acc[a][l] = CombineLane<R>(acc[a][l], x[j + a * P + l]);
        }
      }
      for (int a = 1; a < 4; ++a) {
        for (int l = 0; l < P; ++l) acc[0][l] = CombineLane<R>(acc[0][l], acc[a][l]);
      }
    }
    for (; j + P <= n; j += P) {
      for (int l = 0; l < P; ++l) acc[0][l] = CombineLane<R>(acc[0][l], x[j + l]);
    }
    T tail = Initial<R, T>();
    for (; j < n; ++j) tail = Combine<R>(tail, x[j]);
    // Eigen's finalizeBoth: tail + lanes for a sum (x86 keeps the first
    // operand's NaN), the lanes' max unless the tail's is not less.
    if constexpr (R == Reducer::kSum) {
      return Combine<R>(tail, FoldLanes<R, T, P>(acc[0]));
    } else {
      return Combine<R>(FoldLanes<R, T, P>(acc[0]), tail);
    }
  }
}

inline Status ReduceShape(ShapeContext& ctx, const ReduceParams&) {
  for (int i = 0; i < static_cast<int>(ctx.spec().outputs().size()); ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

// The checks, sort and groups every form shares.
struct Plan {
  int rank = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> group_dims;           // kept dims, ascending
  std::vector<int64_t> out_dims;             // the reduced shape
  std::vector<int64_t> perm;                 // entries in sorted order
  std::vector<int64_t> group_start;          // positions in perm where each group starts (+ the end)
};

inline Status PlanReduce(KernelContext& ctx, bool keep_dims, Plan* plan) {
  const ConstTensor& indices = ctx.input(0);
  const ConstTensor& values = ctx.input(1);
  const ConstTensor& shape = ctx.input(2);
  const ConstTensor& axes = ctx.input(3);
  OPBRIDGE_REQUIRE(shape.rank() == 1, "Expected input_shape to be a vector; got shape: ", ShapeText(shape.shape()));
  OPBRIDGE_REQUIRE(axes.rank() <= 1, "Expected reduction_axes to be a scalar or a vector; got shape: ",
                   ShapeText(axes.shape()));
  const int64_t ndims = shape.num_elements();
  const int32_t* ax = axes.data<int32_t>();
  for (int64_t i = 0; i < axes.num_elements(); ++i) {
    OPBRIDGE_REQUIRE(ax[i] >= -ndims && ax[i] < ndims, "Invalid reduction dimension ", ax[i], ", for input with ",
                     ndims, " dimensions.");
  }
  const int64_t* dims = shape.data<int64_t>();
  int64_t count = 1;
  for (int64_t d = 0; d < ndims; ++d) {
    OPBRIDGE_REQUIRE(dims[d] >= 0, "Expected shape dimensions to be non-negative, got ", dims[d]);
    int64_t product = 0;
    if (__builtin_mul_overflow(count, dims[d], &product)) {
      return Errorf("Encountered overflow when multiplying ", count, " with ", dims[d], ", result: -1");
    }
    count = product;
  }
  OPBRIDGE_RETURN_IF_ERROR(CheckSparseTensor(indices, values, ndims));
  plan->rank = static_cast<int>(ndims);
  plan->shape.assign(dims, dims + ndims);
  std::vector<bool> reduced(static_cast<size_t>(ndims), false);
  for (int64_t i = 0; i < axes.num_elements(); ++i) reduced[static_cast<size_t>((ax[i] + ndims) % ndims)] = true;
  std::vector<int> order;
  for (int d = 0; d < plan->rank; ++d) {
    if (!reduced[static_cast<size_t>(d)]) {
      plan->group_dims.push_back(d);
      order.push_back(d);
    }
  }
  for (int d = 0; d < plan->rank; ++d) {
    if (reduced[static_cast<size_t>(d)]) order.push_back(d);
    if (keep_dims) plan->out_dims.push_back(reduced[static_cast<size_t>(d)] ? 1 : dims[d]);
  }
  if (!keep_dims) {
    for (int64_t d : plan->group_dims) plan->out_dims.push_back(dims[d]);
  }
  const int64_t n = indices.dim(0);
  const int64_t* ix = indices.data<int64_t>();
  plan->perm = ReorderPermutation(ix, n, plan->rank, order);
  for (int64_t k = 0; k < n; ++k) {
    bool starts = k == 0;
    if (!starts) {
      const int64_t* row = ix + plan->perm[static_cast<size_t>(k)] * plan->rank;
      const int64_t* prev = ix + plan->perm[static_cast<size_t>(k - 1)] * plan->rank;
      for (int64_t d : plan->group_dims) starts = starts || row[d] != prev[d];
    }
    if (starts) plan->group_start.push_back(k);
  }
  plan->group_start.push_back(n);
  return Status::Ok();
}

template <Reducer R>
Status ReduceDenseKernel(KernelContext& ctx, const ReduceParams& p) {
  Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduce(ctx, p.keep_dims, &plan));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(plan.out_dims)));
  const int64_t out_size = ctx.output(0).num_elements();
  // Output position strides over the kept dims (TF's CoordinatesToFlatIndex).
  std::vector<int64_t> strides(plan.group_dims.size());
  for (int64_t i = static_cast<int64_t>(strides.size()) - 1, s = 1; i >= 0; --i) {
    strides[static_cast<size_t>(i)] = s;
    s = WrapMul(s, plan.shape[static_cast<size_t>(plan.group_dims[static_cast<size_t>(i)])]);
  }
  const int64_t* ix = ctx.input(0).data<int64_t>();
  const auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* values = ctx.input(1).data<T>();
    T* out = ctx.output(0).data<T>();
    for (int64_t i = 0; i < out_size; ++i) out[i] = T(0);
    std::vector<T> group;
    for (size_t g = 0; g + 1 < plan.group_start.size(); ++g) {
      const int64_t begin = plan.group_start[g], end = plan.group_start[g + 1];
      group.resize(static_cast<size_t>(end - begin));
      for (int64_t k = begin; k < end; ++k) group[static_cast<size_t>(k - begin)] = values[plan.perm[static_cast<size_t>(k)]];
      const T reduced = EigenReduce<R>(group.data(), end - begin);
      const int64_t* row = ix + plan.perm[static_cast<size_t>(begin)] * plan.rank;
      int64_t at = 0;
      for (size_t i = 0; i < strides.size(); ++i) at = WrapAdd(at, WrapMul(row[plan.group_dims[i]], strides[i]));
      OPBRIDGE_REQUIRE(at >= 0 && at < out_size, "Obtained a write index of ", at,
                       " which is outside of bounds of [0, ", out_size, ")");
      out[at] = reduced;
    }
    return Status::Ok();
  };
  if constexpr (R == Reducer::kSum) {
    return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                                 uint8_t, uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(
        ctx.input(1).dtype(), run);
  } else {
    return math::DispatchRealNumber(ctx.input(1).dtype(), run);
  }
}

template <Reducer R>
Status ReduceSparseKernel(KernelContext& ctx, const ReduceParams& p) {
  Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduce(ctx, p.keep_dims, &plan));
  const int64_t groups = static_cast<int64_t>(plan.group_start.size()) - 1;
  const int64_t out_rank = static_cast<int64_t>(plan.out_dims.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({groups, out_rank})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(1, Shape({groups})));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(2, Shape({out_rank})));
  std::copy(plan.out_dims.begin(), plan.out_dims.end(), ctx.output(2).data<int64_t>());
  const int64_t* ix = ctx.input(0).data<int64_t>();
  int64_t* out_ix = ctx.output(0).data<int64_t>();
  std::fill(out_ix, out_ix + groups * out_rank, int64_t{0});
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t* row = ix + plan.perm[static_cast<size_t>(plan.group_start[static_cast<size_t>(g)])] * plan.rank;
    for (size_t j = 0; j < plan.group_dims.size(); ++j) {
      const int64_t col = p.keep_dims ? plan.group_dims[j] : static_cast<int64_t>(j);
      out_ix[g * out_rank + col] = row[plan.group_dims[j]];
    }
  }
  const auto run = [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* values = ctx.input(1).data<T>();
    T* out = ctx.output(1).data<T>();
    std::vector<T> group;
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t begin = plan.group_start[static_cast<size_t>(g)], end = plan.group_start[static_cast<size_t>(g + 1)];
      group.resize(static_cast<size_t>(end - begin));
      for (int64_t k = begin; k < end; ++k) group[static_cast<size_t>(k - begin)] = values[plan.perm[static_cast<size_t>(k)]];
      out[g] = EigenReduce<R>(group.data(), end - begin);
    }
    return Status::Ok();
  };
  if constexpr (R == Reducer::kSum) {
    return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, int8_t, int16_t, int32_t, int64_t,
                                 uint8_t, uint16_t, uint32_t, uint64_t, std::complex<float>, std::complex<double>>(
        ctx.input(1).dtype(), run);
  } else {
    return math::DispatchRealNumber(ctx.input(1).dtype(), run);
  }
}

}  // namespace sparse
}  // namespace opbridge
