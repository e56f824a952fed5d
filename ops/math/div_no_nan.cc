// DivNoNan: TF's x / y, 0 where y is 0 (tf.math.divide_no_nan) in float64, half, bfloat16, complex64 and
// complex128: the converter leaves CUSTOM "DivNoNan" {T} for those dtypes, which TFLite's builtins lack
// (measured by tools/census_float64.py; complex: tf.math.sign of a complex tensor is DivNoNan(x, |x|)).
// TF's no_nan_op: 0 where y == 0 (even 0 / 0).
// Complex (TF's div_no_nan_op<T, IsComplex>): +0 where y == 0 or where x * conj(y) == 0 (both parts: a
// zero numerator whose |y|^2 underflows), else the quotient. In packets (packet_tail.h) the
// quotient is Eigen's pdiv_complex (math::PacketDivide) and the product Eigen's packet product; in TF's
// scalar tail it is std::complex division, Smith's algorithm in T as TF's clang build computes it,
// with C99's recovery of infinite results (math::ScalarDivide), and the C library's product: TF's
// bits in both (measured).
#include <complex>

#include "avx2_dispatch.h"
#include "complex_scalar_ops.h"
#include "zero_select_run.h"
#include "packet_tail.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge {
namespace {

#if defined(__x86_64__)
// complex64 DivNoNan of two same-shape arrays, 8 at a time on AVX2: the
// packet formula's steps in its order on deinterleaved parts (no FMA), so its
// bits; the scalar loop took 1.16x TF's time ([1024,256], complex128 too).
// The last n % 8 elements by the scalar packet formula.
template <typename Packet>
__attribute__((target("avx2"))) void DivNoNanAvx2(const std::complex<float>* x, const std::complex<float>* y,
                                                  std::complex<float>* out, int64_t n, Packet packet) {
  const auto* xf = reinterpret_cast<const float*>(x);
  const auto* yf = reinterpret_cast<const float*>(y);
  auto* of = reinterpret_cast<float*>(out);
  const __m256 sign = _mm256_set1_ps(-0.0f), zero = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 x0 = _mm256_loadu_ps(xf + 2 * j), x1 = _mm256_loadu_ps(xf + 2 * j + 8);
    const __m256 y0 = _mm256_loadu_ps(yf + 2 * j), y1 = _mm256_loadu_ps(yf + 2 * j + 8);
    // Real and imaginary parts (elements 0 1 4 5 | 2 3 6 7; the unpacking
    // below restores the order).
    const __m256 a = _mm256_shuffle_ps(x0, x1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 b = _mm256_shuffle_ps(x0, x1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m256 yr = _mm256_shuffle_ps(y0, y1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 yi = _mm256_shuffle_ps(y0, y1, _MM_SHUFFLE(3, 1, 3, 1));
    // Zero where y == 0 or x * conj(y) == 0 (both parts each).
    const __m256 nr = _mm256_add_ps(_mm256_mul_ps(a, yr), _mm256_mul_ps(b, yi));
    const __m256 ni = _mm256_sub_ps(_mm256_mul_ps(b, yr), _mm256_mul_ps(a, yi));
    const __m256 zero_y = _mm256_and_ps(_mm256_cmp_ps(yr, zero, _CMP_EQ_OQ), _mm256_cmp_ps(yi, zero, _CMP_EQ_OQ));
    const __m256 zero_n = _mm256_and_ps(_mm256_cmp_ps(nr, zero, _CMP_EQ_OQ), _mm256_cmp_ps(ni, zero, _CMP_EQ_OQ));
    const __m256 mask = _mm256_or_ps(zero_y, zero_n);
    // pdiv_complex: std::max(|yr|, |yi|) is max_ps(|yi|, |yr|) (|yr| when either is NaN).
    const __m256 scale = _mm256_max_ps(_mm256_andnot_ps(sign, yi), _mm256_andnot_ps(sign, yr));
    const __m256 c = _mm256_div_ps(yr, scale), d = _mm256_div_ps(yi, scale);
    const __m256 denom = _mm256_add_ps(_mm256_mul_ps(c, c), _mm256_mul_ps(d, d));
    const __m256 re = _mm256_add_ps(_mm256_mul_ps(a, c), _mm256_mul_ps(b, d));
    const __m256 im = _mm256_sub_ps(_mm256_mul_ps(b, c), _mm256_mul_ps(a, d));
    const __m256 qr = _mm256_andnot_ps(mask, _mm256_div_ps(_mm256_div_ps(re, denom), scale));
    const __m256 qi = _mm256_andnot_ps(mask, _mm256_div_ps(_mm256_div_ps(im, denom), scale));
    _mm256_storeu_ps(of + 2 * j, _mm256_unpacklo_ps(qr, qi));
    _mm256_storeu_ps(of + 2 * j + 8, _mm256_unpackhi_ps(qr, qi));
  }
  for (; j < n; ++j) out[j] = packet(x[j], y[j]);
}

// The same for complex128, 4 at a time (lanes 0 2 1 3 after unpacking).
template <typename Packet>
__attribute__((target("avx2"))) void DivNoNanAvx2(const std::complex<double>* x, const std::complex<double>* y,
                                                  std::complex<double>* out, int64_t n, Packet packet) {
  const auto* xf = reinterpret_cast<const double*>(x);
  const auto* yf = reinterpret_cast<const double*>(y);
  auto* of = reinterpret_cast<double*>(out);
  const __m256d sign = _mm256_set1_pd(-0.0), zero = _mm256_setzero_pd();
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const __m256d x0 = _mm256_loadu_pd(xf + 2 * j), x1 = _mm256_loadu_pd(xf + 2 * j + 4);
    const __m256d y0 = _mm256_loadu_pd(yf + 2 * j), y1 = _mm256_loadu_pd(yf + 2 * j + 4);
    const __m256d a = _mm256_unpacklo_pd(x0, x1), b = _mm256_unpackhi_pd(x0, x1);
    const __m256d yr = _mm256_unpacklo_pd(y0, y1), yi = _mm256_unpackhi_pd(y0, y1);
    const __m256d nr = _mm256_add_pd(_mm256_mul_pd(a, yr), _mm256_mul_pd(b, yi));
    const __m256d ni = _mm256_sub_pd(_mm256_mul_pd(b, yr), _mm256_mul_pd(a, yi));
    const __m256d zero_y = _mm256_and_pd(_mm256_cmp_pd(yr, zero, _CMP_EQ_OQ), _mm256_cmp_pd(yi, zero, _CMP_EQ_OQ));
    const __m256d zero_n = _mm256_and_pd(_mm256_cmp_pd(nr, zero, _CMP_EQ_OQ), _mm256_cmp_pd(ni, zero, _CMP_EQ_OQ));
    const __m256d mask = _mm256_or_pd(zero_y, zero_n);
    const __m256d scale = _mm256_max_pd(_mm256_andnot_pd(sign, yi), _mm256_andnot_pd(sign, yr));
    const __m256d c = _mm256_div_pd(yr, scale), d = _mm256_div_pd(yi, scale);
    const __m256d denom = _mm256_add_pd(_mm256_mul_pd(c, c), _mm256_mul_pd(d, d));
    const __m256d re = _mm256_add_pd(_mm256_mul_pd(a, c), _mm256_mul_pd(b, d));
    const __m256d im = _mm256_sub_pd(_mm256_mul_pd(b, c), _mm256_mul_pd(a, d));
    const __m256d qr = _mm256_andnot_pd(mask, _mm256_div_pd(_mm256_div_pd(re, denom), scale));
    const __m256d qi = _mm256_andnot_pd(mask, _mm256_div_pd(_mm256_div_pd(im, denom), scale));
    _mm256_storeu_pd(of + 2 * j, _mm256_unpacklo_pd(qr, qi));
    _mm256_storeu_pd(of + 2 * j + 4, _mm256_unpackhi_pd(qr, qi));
  }
  for (; j < n; ++j) out[j] = packet(x[j], y[j]);
}

// out = packet(x, y) for same-shape complex operands on AVX2, then TF's tail.
template <typename C, typename Packet, typename Scalar>
bool SameShapeAvx2(KernelContext& ctx, Packet packet, Scalar scalar) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  if (!math::UseAvx2() || a.shape().dims() != b.shape().dims() || ctx.output(0).shape().dims() != a.shape().dims()) {
    return false;
  }
  const C* x = a.data<C>();
  const C* y = b.data<C>();
  C* out = ctx.output(0).data<C>();
  ctx.ParallelFor(a.num_elements(), 4, [&](int64_t begin, int64_t end) {
    DivNoNanAvx2(x + begin, y + begin, out + begin, end - begin, packet);
  });
  math::RedoScalarTail<C>(ctx, scalar);
  return true;
}
#endif

Status Kernel(KernelContext& ctx) {
  const DType dtype = ctx.input(0).dtype();
  if (dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    const auto packet = [](auto x, auto y) {
      using C = decltype(x);
      const bool zero = math::IsComplexZero(y) || math::IsComplexZero(math::PacketMul(x, std::conj(y)));
      return zero ? C(0) : math::PacketDivide(x, y);
    };
    const auto scalar = [](auto x, auto y) {
      using C = decltype(x);
      if (math::IsComplexZero(y) || math::IsComplexZero(x * std::conj(y))) return C(0);
      return math::ScalarDivide(x, y);
    };
#if defined(__x86_64__)
    if (dtype == DType::kComplex64 ? SameShapeAvx2<std::complex<float>>(ctx, packet, scalar)
                                   : SameShapeAvx2<std::complex<double>>(ctx, packet, scalar)) {
      return Status::Ok();
    }
#endif
    return math::ComplexBinary(ctx, 4, packet, scalar);
  }
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  OPBRIDGE_REQUIRE(a.dtype() == b.dtype(), "inputs '", a.name(), "' and '", b.name(), "' differ in dtype: ",
                   DTypeName(a.dtype()), " vs ", DTypeName(b.dtype()));
  // Explicit packets (zero_select_run.h): a select per element was a mispredicting branch.
  const auto run = [](const auto* x, int64_t step_x, const auto* y, int64_t step_y, auto* out, int64_t n) {
    math::ZeroSelectRun<math::ZeroRule::kZeroWhereY, math::PacketQuotient>(x, step_x, y, step_y, out, n);
  };
  return math::BinaryBroadcastRuns<double, Eigen::half, Eigen::bfloat16>(ctx, 2, run);
}

OPBRIDGE_REGISTER_OP(OpSpec("DivNoNan")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, 0 where y == 0, with broadcasting (tf.math.divide_no_nan).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
