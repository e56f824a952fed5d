// EuclideanNorm: TF's sqrt(sum(x * conj(x))) over the axes in
// `reduction_indices` (tf.math.reduce_euclidean_norm) with keep_dims, in every
// dtype TF's CPU kernel takes. TFLite has no kernel for it in any dtype: the
// converter leaves CUSTOM "EuclideanNorm" {T, Tidx, keep_dims}. (tf.norm
// lowers to Mul, Sum and Sqrt instead.) Axes follow TF's ReductionHelper
// (reduction.h: in [-rank, rank), no dim twice, any shape read flat); an
// empty axis list still squares and roots each element (|x|, not x), and no
// elements give 0.
//
// What TF computes, each step in the element's own arithmetic (measured
// against TF 2.21's x86-64 wheel, built for AVX), and what is kept here:
// - float, double, complex: the squares in T, summed in T, sqrt in T.
// - half: squares and sums rounded to half at each step (300 * 300 is inf),
//   the root of the half sum.
// - bfloat16: squares and sum in float, the root rounded to bfloat16 (a NaN
//   as +NaN, as TF's packet rounding).
// - complex: x * conj(x) as Eigen's complex packets multiply it (imaginary
//   part re * -im + im * re: 0, or NaN where a part is infinite), summed, and
//   Eigen's complex sqrt; the result is (root, 0) for finite inputs.
// - integers: squares and sum wrap in T (int_arith.h), the root is sqrt of
//   the sum as a double, truncated. A sum that wrapped negative has a NaN
//   root, converted as x86 converts it: INT_MIN for int32 and int64, 0 for
//   int8 and int16 (the low bits of int32's INT_MIN).
//
// Integers and bfloat16 are TF's bits (their sums are exact or their
// rounding hides the order). The floating sums follow the shape of Eigen's
// inner-most reduction (P interleaved lanes, 8 floats or 4 doubles, in two
// accumulators, the rest added in order, the lanes folded in halves) where
// TF reads each output's inputs as one run, and row-major order elsewhere;
// TF's own order (its packet trees, its split of long runs and, for large
// full reductions, between its threads) is not reproduced: float, double
// and complex results are within an ulp or two of TF's (most are equal),
// half within a few half ulps on long rows. A deliberate difference: none
// of TF's overflow behaviour is lost (squares and sums are in T, as TF's).
//
// Speed: reduced dims that are adjacent take a fast path (ReduceRuns,
// ReduceColumns) with the generic path's order of operations, so the same
// bits; the generic walk (an odometer per element) was 4.7x TF's time on
// float rows.
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "int_arith.h"
#include "reduction.h"
#include "simd_cols.h"

namespace opbridge {
namespace {

// The accumulation type of each element type and its lanes (Eigen's packet
// width in TF's AVX build).
template <typename T>
struct Traits {
  using Acc = T;
  static constexpr int kLanes = 8;
};
template <>
struct Traits<double> {
  using Acc = double;
  static constexpr int kLanes = 4;
};
template <>
struct Traits<Eigen::half> {
  using Acc = Eigen::half;  // each step rounded to half, as TF's half packets
  static constexpr int kLanes = 8;
};
template <>
struct Traits<Eigen::bfloat16> {
  using Acc = float;
  static constexpr int kLanes = 8;
};
template <>
struct Traits<std::complex<float>> {
  using Acc = std::complex<float>;
  static constexpr int kLanes = 4;
};
template <>
struct Traits<std::complex<double>> {
  using Acc = std::complex<double>;
  static constexpr int kLanes = 2;
};

template <typename T>
typename Traits<T>::Acc Square(T x) {
  if constexpr (std::is_same_v<T, Eigen::half>) {
    return x * x;
  } else if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
    const float f = static_cast<float>(x);
    return f * f;
  } else if constexpr (std::is_floating_point_v<T>) {
    return x * x;
  } else {
    // Eigen's packet product with conj(x) = (re, -im): no C99 recovery of
    // infinities (TF's scalar tail gives the same for these operands).
    using R = typename T::value_type;
    const R re = x.real(), im = x.imag();
    return T(re * re - im * -im, re * -im + im * re);
  }
}

// Eigen's InnerMostDimReducer on the squares of n values x[0 .. n) (the
// inputs of one output, in order) whose first is element `first` of TF's 2-D
// view: see the file's comment. Lane l of the two accumulators a and b sums
// the squares of values j + l and j + P + l of each step of 2P; float and
// double keep them as pairs of 16-byte vectors (SSE2, NEON), every lane the
// same operations in the same order as one scalar lane, so the same bits.
template <int P, typename T>
typename Traits<T>::Acc EigenSumSquares(const T* x, int64_t first, int64_t n) {
  using Acc = typename Traits<T>::Acc;
  constexpr int64_t kLeafPackets = 1024;
  if (n > P * kLeafPackets) {
    const int64_t half = (n + 1) / 2;
    const int64_t split = P * ((first + half + P - 1) / P);
    const int64_t left = std::min(split - first, n);
    Acc acc = Acc(0) + EigenSumSquares<P>(x, first, left);
    if (left < n) acc += EigenSumSquares<P>(x + left, split, n - left);
    return acc;
  }
  Acc a[P], b[P];
  for (int l = 0; l < P; ++l) a[l] = b[l] = Acc(0);
  const int64_t unrolled = n / (2 * P) * (2 * P), packets = n / P * P;
  int64_t j = 0;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    // P lanes of T are 32 bytes: two vectors per accumulator.
    using V = typename math::Cols<T, 16>::type;
    using U = typename math::Cols<T, 16>::unaligned;
    constexpr int W = math::Cols<T, 16>::kWidth;
    static_assert(2 * W == P, "two vectors per accumulator");
    V a0 = {}, a1 = {}, b0 = {}, b1 = {};
    auto sq = [&](int64_t at) {
      const V v = *reinterpret_cast<const U*>(x + at);
      return v * v;
    };
    for (; j < unrolled; j += 2 * P) {
      a0 += sq(j);
      a1 += sq(j + W);
      b0 += sq(j + P);
      b1 += sq(j + P + W);
    }
    for (; j < packets; j += P) {
      a0 += sq(j);
      a1 += sq(j + W);
    }
    for (int l = 0; l < W; ++l) {
      a[l] = a0[l];
      a[l + W] = a1[l];
      b[l] = b0[l];
      b[l + W] = b1[l];
    }
  } else {
    for (; j < unrolled; j += 2 * P) {
      for (int l = 0; l < P; ++l) {
        a[l] += Square(x[j + l]);
        b[l] += Square(x[j + P + l]);
      }
    }
    for (; j < packets; j += P) {
      for (int l = 0; l < P; ++l) a[l] += Square(x[j + l]);
    }
  }
  for (int l = 0; l < P; ++l) a[l] += b[l];
  Acc tail = Acc(0);
  for (; j < n; ++j) tail += Square(x[j]);
  for (int width = P / 2; width >= 1; width /= 2) {  // Eigen's predux: halves folded
    for (int l = 0; l < width; ++l) a[l] = a[l] + a[l + width];
  }
  return tail + a[0];
}

// Eigen's sqrt of a complex (the branches of its complex_sqrt that sums of
// x * conj(x) reach: real part >= 0 or NaN).
template <typename R>
std::complex<R> ComplexSqrt(std::complex<R> z) {
  const R x = z.real(), y = z.imag();
  const R w = std::sqrt(R(0.5) * (std::abs(x) + std::hypot(x, y)));
  if (std::isinf(y)) return {std::numeric_limits<R>::infinity(), y};
  if (x == R(0)) return {w, y < R(0) ? -w : w};
  if (x > R(0)) return {w, y / (R(2) * w)};
  return {std::abs(y) / (R(2) * w), y < R(0) ? -w : w};
}

template <typename T>
T Root(typename Traits<T>::Acc s) {
  if constexpr (std::is_same_v<T, Eigen::bfloat16>) {
    const float r = std::sqrt(s);
    return std::isnan(r) ? Eigen::numext::bit_cast<T>(uint16_t{0x7fc0}) : T(r);
  } else if constexpr (std::is_same_v<T, Eigen::half>) {
    return T(std::sqrt(static_cast<float>(s)));
  } else if constexpr (std::is_floating_point_v<T>) {
    return std::sqrt(s);
  } else {
    return ComplexSqrt(s);
  }
}

// The integer root: sqrt of the wrapped sum as a double, truncated as x86's
// conversion truncates (see the file's comment for a NaN).
template <typename T>
T IntegerRoot(T sum) {
  const double r = std::sqrt(static_cast<double>(sum));
  if (std::isnan(r)) {
    if constexpr (sizeof(T) >= 4) return std::numeric_limits<T>::min();
    return T(0);
  }
  return static_cast<T>(r);
}

// Where each output's inputs lie, and in which order TF sums them.
struct Plan {
  std::vector<int64_t> kept_dims, kept_strides, red_dims, red_strides;
  int64_t outputs = 0, count = 1;
  bool eigen_order = true;  // TF reads each output's inputs as one run (see the file's comment)
  // Whether the reduced dims (of more than one element) are adjacent, so
  // that output o = (p, q) of the [outer, count, inner] view reads elements
  // p * count * inner + i * inner + q, i in order (the fast paths' layout).
  bool grouped = false;
  int64_t inner = 1;
};

// TF's ReductionHelper::Simplify: leading dims of 1 dropped, other dims of 1
// joined to the run before them, runs of reduced and kept dims merged; TF
// reads each output's inputs as one run unless the merged shape is
// [reduced, kept], [reduced, kept, reduced] or [kept, reduced, kept].
bool TfReadsOneRun(const Shape& shape, const std::vector<bool>& reduced) {
  std::vector<bool> runs;
  bool previous = false;
  for (int d = 0; d < shape.rank(); ++d) {
    const auto u = static_cast<size_t>(d);
    if (runs.empty() && shape.dim(d) == 1) continue;
    const bool r = (shape.dim(d) == 1 && !runs.empty()) ? previous : static_cast<bool>(reduced[u]);
    if (runs.empty() || r != previous) runs.push_back(r);
    previous = r;
  }
  const size_t n = runs.size();
  if (n == 2 && runs[0]) return false;
  if (n == 3) return false;
  return true;
}

Status MakePlan(KernelContext& ctx, const math::ReductionParams& p, Plan* plan) {
  const ConstTensor& x = ctx.input(0);
  std::vector<bool> reduced;
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(math::PlanReduction(x.shape(), ctx.input(1), p.keep_dims, &reduced, &output));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, output));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == output.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", output.ToString());
  int64_t stride = 1;
  for (int d = x.rank() - 1; d >= 0; --d) {
    const bool r = reduced[static_cast<size_t>(d)];
    auto& dims = r ? plan->red_dims : plan->kept_dims;
    auto& strides = r ? plan->red_strides : plan->kept_strides;
    dims.insert(dims.begin(), x.dim(d));
    strides.insert(strides.begin(), stride);
    if (r) plan->count *= x.dim(d);
    stride *= x.dim(d);
  }
  plan->outputs = output.num_elements();
  plan->eigen_order = TfReadsOneRun(x.shape(), reduced);
  // Dims of 1 change no offset: the reduced dims are one group when no kept
  // dim of more than 1 lies between two reduced ones.
  int phase = 0;  // 0: before the group, 1: in it, 2: after it
  plan->grouped = true;
  for (int d = 0; d < x.rank(); ++d) {
    if (x.dim(d) == 1) continue;
    const bool r = reduced[static_cast<size_t>(d)];
    if (r && phase == 2) plan->grouped = false;
    if (r && phase == 0) phase = 1;
    if (!r && phase == 1) phase = 2;
    if (!r && phase == 2) plan->inner *= x.dim(d);
  }
  return Status::Ok();
}

// Calls fn(offset) for the inputs of output o in row-major order of the
// reduced dims.
template <typename Fn>
void ForInputs(const Plan& plan, int64_t o, std::vector<int64_t>& coord, Fn&& fn) {
  int64_t offset = 0, rest = o;
  for (size_t k = plan.kept_dims.size(); k-- > 0;) {
    offset += (rest % plan.kept_dims[k]) * plan.kept_strides[k];
    rest /= plan.kept_dims[k];
  }
  std::fill(coord.begin(), coord.end(), 0);
  for (int64_t i = 0; i < plan.count; ++i) {
    fn(offset);
    for (size_t k = plan.red_dims.size(); k-- > 0;) {  // odometer, innermost first
      offset += plan.red_strides[k];
      if (++coord[k] < plan.red_dims[k]) break;
      offset -= coord[k] * plan.red_strides[k];
      coord[k] = 0;
    }
  }
}

// Each output's inputs as one contiguous run (reduced dims innermost), summed
// as Eigen's inner-most reduction in place: no gather.
template <typename T>
void ReduceRuns(KernelContext& ctx, const Plan& plan, const T* in, T* out) {
  constexpr int P = Traits<T>::kLanes;
  const int64_t count = plan.count;
  ctx.ParallelFor(plan.outputs, count + 10, [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) out[o] = Root<T>(EigenSumSquares<P>(in + o * count, o * count, count));
  });
}

// Kept dims innermost ([outer, count, inner], inner > 1): each output sums its
// column of `count` in order, as the generic path; a block of adjacent
// columns is summed row by row, so the rows are read once, contiguously, and
// the per-column additions vectorize across columns (each column's additions
// keep their order: the same bits).
template <typename T>
void ReduceColumns(KernelContext& ctx, const Plan& plan, const T* in, T* out) {
  using Acc = typename Traits<T>::Acc;
  constexpr int64_t kBlock = 128;
  const int64_t count = plan.count, inner = plan.inner;
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  const int64_t outer = plan.outputs / inner;
  ctx.ParallelFor(outer * blocks, count * std::min(kBlock, inner) + 10, [&](int64_t begin, int64_t end) {
    Acc acc[kBlock];
    for (int64_t u = begin; u < end; ++u) {
      const int64_t p = u / blocks, q0 = u % blocks * kBlock, width = std::min(kBlock, inner - q0);
      for (int64_t c = 0; c < width; ++c) acc[c] = Acc(0);
      const T* x = in + p * count * inner + q0;
      for (int64_t i = 0; i < count; ++i, x += inner) {
        for (int64_t c = 0; c < width; ++c) acc[c] += Square(x[c]);
      }
      T* y = out + p * inner + q0;
      for (int64_t c = 0; c < width; ++c) y[c] = Root<T>(acc[c]);
    }
  });
}

template <typename T>
void ReduceFloating(KernelContext& ctx, const Plan& plan, const T* in, T* out) {
  using Acc = typename Traits<T>::Acc;
  constexpr int P = Traits<T>::kLanes;
  if (plan.grouped && plan.inner == 1 && plan.eigen_order) return ReduceRuns(ctx, plan, in, out);
  if (plan.grouped && plan.inner > 1 && !plan.eigen_order) return ReduceColumns(ctx, plan, in, out);
  ctx.ParallelFor(plan.outputs, 3 * plan.count + 10, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> coord(plan.red_dims.size());
    std::vector<T> values(plan.eigen_order ? static_cast<size_t>(plan.count) : 0);
    for (int64_t o = begin; o < end; ++o) {
      Acc sum = Acc(0);
      if (plan.eigen_order) {
        size_t i = 0;
        ForInputs(plan, o, coord, [&](int64_t at) { values[i++] = in[at]; });
        sum = EigenSumSquares<P>(values.data(), o * plan.count, plan.count);
      } else {
        ForInputs(plan, o, coord, [&](int64_t at) { sum += Square(in[at]); });
      }
      out[o] = Root<T>(sum);
    }
  });
}

template <typename T>
void ReduceInteger(KernelContext& ctx, const Plan& plan, const T* in, T* out) {
  ctx.ParallelFor(plan.outputs, plan.count + 10, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> coord(plan.red_dims.size());
    for (int64_t o = begin; o < end; ++o) {
      T sum = T(0);  // wrapping sums are exact in any order
      ForInputs(plan, o, coord, [&](int64_t at) { sum = math::WrapAdd(sum, math::WrapMul(in[at], in[at])); });
      out[o] = IntegerRoot(sum);
    }
  });
}

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(MakePlan(ctx, p, &plan));
  if (plan.outputs == 0) return Status::Ok();
  const ConstTensor& x = ctx.input(0);
  switch (x.dtype()) {
    case DType::kFloat32:
    case DType::kFloat64:
    case DType::kFloat16:
    case DType::kBFloat16:
    case DType::kComplex64:
    case DType::kComplex128:
      break;
    default:
      return math::DispatchElement<int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
        x.dtype(), [&](auto tag) {
          using T = typename decltype(tag)::type;
          ReduceInteger<T>(ctx, plan, x.data<T>(), ctx.output(0).data<T>());
          return Status::Ok();
        });
  }
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      x.dtype(), [&](auto tag) {
        using T = typename decltype(tag)::type;
        ReduceFloating<T>(ctx, plan, x.data<T>(), ctx.output(0).data<T>());
        return Status::Ok();
      });
}

OPBRIDGE_REGISTER_OP(OpSpec("EuclideanNorm")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("sqrt(sum(x * conj(x))) over the given axes with keep_dims "
                              "(tf.math.reduce_euclidean_norm).")
                         .Input("input: T")
                         .Input("reduction_indices: Tidx")
                         .Output("output: T")
                         .Params<math::ReductionParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, complex64, int64, bfloat16, uint16, "
                               "complex128, half, uint32, uint64}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(math::ReductionShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
