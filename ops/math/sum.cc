// Sum: TF's sum over the axes given in `reduction_indices` (tf.reduce_sum),
// with keep_dims. The converter lowers it to the builtin SUM except for dtypes
// the builtin lacks: float64 stays CUSTOM "Sum" {T, Tidx, keep_dims}
// (tf.signal.inverse_stft's overlap-add on float64 spectrograms), and so do
// half, bfloat16, complex64/128, int8, int16, uint8, uint16 and uint32 (TF 2.21, measured).
//
// Semantics follow TF's ReductionHelper: axes (of any shape, read flat) in
// [-rank, rank), negative counting from the end, no dimension twice; an empty
// axis list copies the input;
// reduced dims are dropped, or kept as 1 with keep_dims; the sum of no
// elements is 0. Integer sums are exact (modulo 2^bits, as TF's); floating
// sums are compensated or widened and round once (see Accumulator), so they
// are at least as close to the exact sum as TF's tree of packets.
#include <algorithm>
#include <cmath>
#include <complex>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "reduction.h"

namespace opbridge {
namespace {

using math::PlanReduction;
using math::ReductionParams;
using math::ReductionShape;

using math::CompensatedSum;  // Neumaier's compensation (reduction.h)

struct CompensatedComplexSum {
  CompensatedSum re, im;
};

// How each element type accumulates: integers in their unsigned twin, so
// that overflow wraps modulo 2^bits as TF's (Eigen's) integer sums do without
// undefined behaviour; bfloat16 and half in float, rounded once at the end
// (TF's bfloat16 sum does exactly that; its half sum rounds after every
// addition, so ours is the more accurate); float, double and complex in
// double with Neumaier's compensation (reduction.h), rounded once at the end.
template <typename T, bool kIntegral = std::is_integral_v<T>>
struct Accumulator {
  using type = std::make_unsigned_t<T>;
};
template <typename T>
struct Accumulator<T, false> {
  using type = CompensatedSum;
};
template <>
struct Accumulator<Eigen::half, false> {
  using type = float;
};
template <>
struct Accumulator<Eigen::bfloat16, false> {
  using type = float;
};
template <typename R>
struct Accumulator<std::complex<R>, false> {
  using type = CompensatedComplexSum;
};

template <typename Acc, typename T>
void Add(Acc& acc, T value) {
  if constexpr (std::is_same_v<Acc, CompensatedSum>) {
    acc.Add(static_cast<double>(value));
  } else if constexpr (std::is_same_v<Acc, CompensatedComplexSum>) {
    acc.re.Add(static_cast<double>(value.real()));
    acc.im.Add(static_cast<double>(value.imag()));
  } else if constexpr (std::is_same_v<Acc, float>) {
    acc += static_cast<float>(value);
  } else {
    acc = static_cast<Acc>(acc + static_cast<Acc>(value));
  }
}

template <typename T, typename Acc>
T Result(const Acc& acc) {
  if constexpr (std::is_same_v<Acc, CompensatedSum>) {
    return static_cast<T>(acc.Result());
  } else if constexpr (std::is_same_v<Acc, CompensatedComplexSum>) {
    using R = typename T::value_type;
    return T(static_cast<R>(acc.re.Result()), static_cast<R>(acc.im.Result()));
  } else {
    return static_cast<T>(acc);
  }
}

// Accumulators for any element type: one Acc per output element.
template <typename T>
struct AccumulatorArray {
  using Acc = typename Accumulator<T>::type;
  std::vector<Acc> acc;

  explicit AccumulatorArray(int64_t n) : acc(static_cast<size_t>(n), Acc{}) {}
  void Reset() { std::fill(acc.begin(), acc.end(), Acc{}); }
  // n inputs all reduced into output o.
  void AddRun(int64_t o, const T* x, int64_t n) {
    Acc& a = acc[static_cast<size_t>(o)];
    for (int64_t j = 0; j < n; ++j) Add(a, x[j]);
  }
  // n inputs into outputs o, o + 1, ...
  void AddRow(int64_t o, const T* x, int64_t n) {
    Acc* a = acc.data() + o;
    for (int64_t j = 0; j < n; ++j) Add(a[j], x[j]);
  }
  T Get(int64_t o) const { return Result<T>(acc[static_cast<size_t>(o)]); }
};

// float64's compensated accumulators as two arrays (sums, compensations): a
// row added into a row of accumulators is then elementwise and vectorizes,
// and a run goes through CompensatedSum's lanes. The additions and their
// error terms are CompensatedSum's.
struct SplitCompensatedArray {
  std::vector<double> sum, compensation;

  explicit SplitCompensatedArray(int64_t n) : sum(static_cast<size_t>(n)), compensation(static_cast<size_t>(n)) {}
  void Reset() {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(compensation.begin(), compensation.end(), 0.0);
  }
  void AddRun(int64_t o, const double* x, int64_t n) {
    CompensatedSum a{sum[static_cast<size_t>(o)], compensation[static_cast<size_t>(o)]};
    a.AddSpan(x, n);
    sum[static_cast<size_t>(o)] = a.sum;
    compensation[static_cast<size_t>(o)] = a.compensation;
  }
  void AddRow(int64_t o, const double* __restrict x, int64_t n) {
    double* __restrict s = sum.data() + o;
    double* __restrict c = compensation.data() + o;
    // AVX or AVX-512 where the CPU has them: the same operations per element.
    for (int64_t j = math::compensated_lanes::AddRowWide(s, c, x, n); j < n; ++j) {
      const double t = s[j] + x[j];
      const double x_part = t - s[j];
      c[j] += (s[j] - (t - x_part)) + (x[j] - x_part);
      s[j] = t;
    }
  }
  double Get(int64_t o) const {
    return CompensatedSum{sum[static_cast<size_t>(o)], compensation[static_cast<size_t>(o)]}.Result();
  }
};

template <typename T>
using AccumulatorsOf = std::conditional_t<std::is_same_v<T, double>, SplitCompensatedArray, AccumulatorArray<T>>;

template <typename T>
void Reduce(KernelContext& ctx, const ConstTensor& x, const std::vector<bool>& reduced, T* out, int64_t out_size) {
  const int64_t n = x.num_elements();
  if (n == 0) {
    const AccumulatorsOf<T> zeros(1);
    for (int64_t k = 0; k < out_size; ++k) out[k] = zeros.Get(0);
    return;
  }
  // Adjacent dims both reduced or both kept merge (dims of 1 drop out), so
  // that the innermost run is long and walked by a tight loop.
  std::vector<int64_t> dims;
  std::vector<bool> red;
  for (int d = 0; d < x.rank(); ++d) {
    if (x.dim(d) == 1) continue;
    if (!dims.empty() && red.back() == reduced[static_cast<size_t>(d)]) {
      dims.back() *= x.dim(d);
    } else {
      dims.push_back(x.dim(d));
      red.push_back(reduced[static_cast<size_t>(d)]);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    red.push_back(false);
  }
  const size_t m = dims.size();
  // Per merged dim, the step of the output offset (0 for reduced dims).
  std::vector<int64_t> step(m, 0);
  for (int64_t d = static_cast<int64_t>(m) - 1, stride = 1; d >= 0; --d) {
    const auto u = static_cast<size_t>(d);
    if (red[u]) continue;
    step[u] = stride;
    stride *= dims[u];
  }
  const int64_t inner = dims[m - 1];
  const bool inner_reduced = red[m - 1];
  const T* in = x.data<T>();
  // Rows [first, last) of `inner` values into acc, whose entry 0 is output
  // `base`, with the odometer over the outer dims started at row `first`'s
  // index.
  auto walk = [&](AccumulatorsOf<T>& acc, int64_t first, int64_t last, int64_t base) {
    std::vector<int64_t> index(m, 0);
    int64_t offset = -base;
    for (int64_t d = static_cast<int64_t>(m) - 2, rest = first; d >= 0; --d) {
      const auto u = static_cast<size_t>(d);
      index[u] = rest % dims[u];
      offset += index[u] * step[u];
      rest /= dims[u];
    }
    for (int64_t row = first; row < last; ++row) {
      const T* src = in + row * inner;
      if (inner_reduced) {
        acc.AddRun(offset, src, inner);
      } else {
        acc.AddRow(offset, src, inner);
      }
      for (int64_t d = static_cast<int64_t>(m) - 2; d >= 0; --d) {  // odometer over the outer dims
        const auto u = static_cast<size_t>(d);
        offset += step[u];
        if (++index[u] < dims[u]) break;
        offset -= index[u] * step[u];
        index[u] = 0;
      }
    }
  };
  const int64_t rows = n / inner;
  if constexpr (std::is_same_v<T, double>) {
    if (m == 2 && !red[0] && red[1]) {
      // Each output is one contiguous run: runs summed a group at a time
      // (math::CompensatedRunSums, the bits of AddRun's AddSpan).
      ctx.ParallelFor(rows, inner * 4 + 1, [&](int64_t begin, int64_t end) {
        math::CompensatedRunSums(in + begin * inner, inner, end - begin, out + begin);
      });
      return;
    }
  }
  if (m >= 2 && !red[0]) {
    // The outermost dim is kept: its indices own disjoint outputs, each
    // summed by one worker in the same order as alone (the same bits for
    // any thread count). Each index's outputs (step[0] of them) are summed
    // in accumulators of their own size and written out at once: for
    // inverse_stft's [998, 3, 160] over axis 1 the accumulators stay in
    // L1 instead of two output-sized arrays going through memory three
    // times (1.28 MB each).
    const int64_t per = rows / dims[0], own = step[0];
    ctx.ParallelFor(dims[0], per * inner * 4 + 1, [&](int64_t begin, int64_t end) {
      AccumulatorsOf<T> acc(own);
      for (int64_t i = begin; i < end; ++i) {
        if (i > begin) acc.Reset();
        walk(acc, i * per, (i + 1) * per, i * own);
        for (int64_t k = 0; k < own; ++k) out[i * own + k] = acc.Get(k);
      }
    });
  } else {
    AccumulatorsOf<T> acc(out_size);
    walk(acc, 0, rows, 0);
    for (int64_t k = 0; k < out_size; ++k) out[k] = acc.Get(k);
  }
}

template <typename T>
Status ReduceAs(KernelContext& ctx, const ConstTensor& x, const std::vector<bool>& reduced, const Tensor& out) {
  Reduce<T>(ctx, x, reduced, out.data<T>(), out.num_elements());
  return Status::Ok();
}

Status SumKernel(KernelContext& ctx, const ReductionParams& p) {
  const ConstTensor& x = ctx.input(0);
  std::vector<bool> reduced;
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduction(x.shape(), ctx.input(1), p.keep_dims, &reduced, &output));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, output));
  const Tensor& out = ctx.output(0);
  OPBRIDGE_REQUIRE(out.shape().dims() == output.dims(), "output has shape ", out.shape().ToString(),
                   ", expected ", output.ToString());
  if (out.num_elements() == 0) return Status::Ok();
  switch (x.dtype()) {
    case DType::kFloat16: return ReduceAs<Eigen::half>(ctx, x, reduced, out);
    case DType::kBFloat16: return ReduceAs<Eigen::bfloat16>(ctx, x, reduced, out);
    default: break;
  }
  return Dispatch<float, double, std::complex<float>, std::complex<double>, int8_t, int16_t, int32_t, int64_t,
                  uint8_t, uint16_t, uint32_t, uint64_t>(
      x.dtype(), [&](auto tag) { return ReduceAs<typename decltype(tag)::type>(ctx, x, reduced, out); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Sum")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Sum over the given axes with keep_dims (tf.reduce_sum); the custom op the "
                              "converter leaves for float64 (tf.signal.inverse_stft's overlap-add).")
                         .Input("input: T")
                         .Input("reduction_indices: Tidx")
                         .Output("output: T")
                         .Params<ReductionParams>()
                         .Attr("T: {float, double, half, bfloat16, complex64, complex128, int8, int16, int32, int64, "
                               "uint8, uint16, uint32, uint64}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(ReductionShape)
                         .Kernel(SumKernel));

}  // namespace
}  // namespace opbridge
