// Mean: TF's mean over the axes in `reduction_indices` (tf.reduce_mean) with
// keep_dims, in every dtype TF's CPU kernel takes. The converter leaves CUSTOM
// "Mean" {T, Tidx, keep_dims} for float64, half, bfloat16, complex, int8, int16,
// uint16, uint32 and uint64, which TFLite's MEAN lacks (measured by
// tools/census_float64.py and tests/test_parity_integer_reductions.py);
// float32, int32 and int64 are kept for models that carry them custom.
// Axes follow TF's ReductionHelper (reduction.h).
//
// Floating types: the sum is compensated (reduction.h's CompensatedSum: for
// accuracy, TF's bits are not the aim) and divided by the count once, as TF's
// MeanReducer divides its sum; TF's packet-tree sum may differ in the last
// bits (the tests allow 1e-14 relative in float64). Contiguous runs (the
// innermost axes) are summed in compensated lanes, which keeps the accuracy at
// a plain sum's speed. No elements give 0 / 0 = NaN, as TF.
//
// Integers, as TF's reduction_ops.h: the 8-, 16- and 32-bit types sum in
// int64 (uint64 for the unsigned ones), which cannot overflow, divide by the
// count (truncating toward zero) and convert back; int64 and uint64 sum in
// their own type, wrapping modulo 2^64, then divide. Every case is the
// wrapped sum in uint64 read as signed or unsigned. No elements give 0 (TF's
// identity for integers). Complex: compensated sums of both parts, each
// divided by the count; no elements give 0, as TF's.
#include <cmath>
#include <complex>
#include <limits>
#include <type_traits>

#include "reduction.h"

namespace opbridge {
namespace {

struct IntegerMean {
  template <typename T>
  using Acc = uint64_t;
  template <typename T>
  static Acc<T> Init() {
    return 0;
  }
  template <typename T>
  static void Step(Acc<T>& acc, T x) {
    acc += static_cast<uint64_t>(x);
  }
  template <typename T>
  static T Finish(Acc<T> acc, int64_t count) {
    if (count == 0) return T(0);
    if constexpr (std::is_signed_v<T>) {
      return static_cast<T>(static_cast<int64_t>(acc) / count);
    } else {
      return static_cast<T>(acc / static_cast<uint64_t>(count));
    }
  }
};

struct ComplexMean {
  struct Sums {
    math::CompensatedSum re, im;
  };
  template <typename T>
  using Acc = Sums;
  template <typename T>
  static Acc<T> Init() {
    return {};
  }
  template <typename T>
  static void Step(Acc<T>& acc, T x) {
    acc.re.Add(static_cast<double>(x.real()));
    acc.im.Add(static_cast<double>(x.imag()));
  }
  template <typename T>
  static T Finish(const Acc<T>& acc, int64_t count) {
    using R = typename T::value_type;
    if (count == 0) return T(0);
    const auto n = static_cast<double>(count);
    return T(static_cast<R>(acc.re.Result() / n), static_cast<R>(acc.im.Result() / n));
  }
};

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  const DType dtype = ctx.input(0).dtype();
  if (math::IsIntegerDType(dtype)) {
    return math::ReduceTyped<IntegerMean, int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
        ctx, p);
  }
  if (dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    return math::ReduceTyped<ComplexMean, std::complex<float>, std::complex<double>>(ctx, p);
  }
  return math::ReduceDouble<math::CompensatedSum>(
      ctx, p, math::CompensatedSum{}, [](auto& acc, double x) { acc.Add(x); },
      [](const auto& acc, int64_t count) { return acc.Result() / static_cast<double>(count); },
      [](auto& acc, const double* first, int64_t count) { acc.AddSpan(first, count); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Mean")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Mean over the given axes with keep_dims (tf.reduce_mean).")
                         .Input("input: T")
                         .Input("reduction_indices: Tidx")
                         .Output("output: T")
                         .Params<math::ReductionParams>()
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, complex64, complex128}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(math::ReductionShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
