// Prod: TF's product over the axes in `reduction_indices` (tf.reduce_prod) with
// keep_dims, in every dtype TF's CPU kernel takes. The converter leaves CUSTOM
// "Prod" {T, Tidx, keep_dims} for float64, half, bfloat16, complex, int8, int16
// and the unsigned types, which TFLite's REDUCE_PROD lacks (measured by
// tools/census_float64.py and tests/test_parity_integer_reductions.py);
// float32, int32 and int64 are kept for models that carry them custom.
// Axes follow TF's ReductionHelper (reduction.h); no elements give 1.
// Floating types multiply in double in row-major order, a contiguous run (the
// reduced dims innermost) in eight lanes and a fixed tree (reduction.h
// ProductSpan); TF multiplies packets in another tree, so the two may differ
// in the last bits (the tests allow 1e-14 relative in float64; float32, half
// and bfloat16 round the double product once). Integers wrap modulo 2^bits as
// TF's do: exact, whatever the order. Complex multiplies in complex128 in
// row-major order (rounded once for complex64).
#include <complex>
#include <limits>

#include "reduction.h"

namespace opbridge {
namespace {

struct IntegerProd {
  template <typename T>
  using Acc = math::WrapType<T>;
  template <typename T>
  static Acc<T> Init() {
    return 1;
  }
  template <typename T>
  static void Step(Acc<T>& acc, T x) {
    acc = static_cast<Acc<T>>(acc * math::Wrapping(x));
  }
  template <typename T>
  static T Finish(Acc<T> acc, int64_t) {
    return static_cast<T>(acc);
  }
};

struct ComplexProd {
  template <typename T>
  using Acc = std::complex<double>;
  template <typename T>
  static Acc<T> Init() {
    return 1.0;
  }
  // The product written out (std::complex's operator* calls the C library's
  // checked multiply per element), as Eigen's complex packets multiply.
  template <typename T>
  static void Step(Acc<T>& acc, T x) {
    const double re = x.real(), im = x.imag();
    acc = Acc<T>(acc.real() * re - acc.imag() * im, acc.real() * im + acc.imag() * re);
  }
  template <typename T>
  static T Finish(const Acc<T>& acc, int64_t) {
    using R = typename T::value_type;
    return T(static_cast<R>(acc.real()), static_cast<R>(acc.imag()));
  }
};

Status Kernel(KernelContext& ctx, const math::ReductionParams& p) {
  const DType dtype = ctx.input(0).dtype();
  if (math::IsIntegerDType(dtype)) {  // signed types as unsigned: the same wrapped products
    return math::ReduceTyped<IntegerProd, uint8_t, uint16_t, uint32_t, uint64_t>(ctx, p,
                                                                                  math::UnsignedOfWidth(dtype));
  }
  if (dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    return math::ReduceTyped<ComplexProd, std::complex<float>, std::complex<double>>(ctx, p);
  }
  return math::ReduceDouble<double>(
      ctx, p, 1.0, [](auto& acc, double x) { acc *= x; },
      [](const auto& acc, int64_t count) { (void)count; return acc; }, math::ProductSpan);
}

OPBRIDGE_REGISTER_OP(OpSpec("Prod")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Product over the given axes with keep_dims (tf.reduce_prod).")
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
