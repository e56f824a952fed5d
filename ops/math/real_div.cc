// RealDiv: TF's x / y, elementwise with broadcasting (tf.math.divide / /),
// for the dtypes the converter leaves custom: double (no float64 builtin),
// half, bfloat16 and complex64 / complex128 (measured: CUSTOM "RealDiv" {T}).
// Complex quotients follow Eigen's pdiv_complex, the packet path of TF's
// kernel: y is scaled by s = max(|Re y|, |Im y|), then
// (x * conj(y / s)) / |y / s|^2 / s, each step rounded as Eigen rounds it.
// (TF's scalar tail, the few elements past its last packet, uses the C
// library's Smith division instead and can differ there in the last bit.)
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <algorithm>
#include <cmath>
#include <complex>

#include "avx2_dispatch.h"
#include "broadcast.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge {
namespace {

template <typename R>
std::complex<R> Quotient(std::complex<R> x, std::complex<R> y) {
  const R scale = std::max(std::abs(y.real()), std::abs(y.imag()));
  const R c = y.real() / scale, d = y.imag() / scale;
  const R denom = c * c + d * d;
  // x * conj(y'): (a c + b d, b c - a d), each product rounded, then summed.
  const R re = x.real() * c + x.imag() * d;
  const R im = x.imag() * c - x.real() * d;
  return std::complex<R>(re / denom / scale, im / denom / scale);
}
// double, and half and bfloat16 (Eigen divides in float and rounds, as TF).
template <typename T>
T Quotient(T x, T y) {
  return x / y;
}

#if defined(__x86_64__)
// complex64 quotients of two same-shape arrays, 8 at a time on AVX2: the
// steps of Quotient in the same order on deinterleaved parts (no FMA), so
// the same bits; the compiler left Quotient's loop scalar, 6 divisions per
// element (RealDiv c64 [512,513] measured 0.94-1.24x TF's time).
__attribute__((target("avx2"))) void QuotientsAvx2(const std::complex<float>* x, const std::complex<float>* y,
                                                   std::complex<float>* out, int64_t n) {
  const auto* xf = reinterpret_cast<const float*>(x);
  const auto* yf = reinterpret_cast<const float*>(y);
  auto* of = reinterpret_cast<float*>(out);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 x0 = _mm256_loadu_ps(xf + 2 * j), x1 = _mm256_loadu_ps(xf + 2 * j + 8);
    const __m256 y0 = _mm256_loadu_ps(yf + 2 * j), y1 = _mm256_loadu_ps(yf + 2 * j + 8);
    // Real and imaginary parts (elements 0 1 4 5 | 2 3 6 7; unpacking
    // below restores the order).
    const __m256 a = _mm256_shuffle_ps(x0, x1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 b = _mm256_shuffle_ps(x0, x1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m256 yr = _mm256_shuffle_ps(y0, y1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m256 yi = _mm256_shuffle_ps(y0, y1, _MM_SHUFFLE(3, 1, 3, 1));
    // std::max(|yr|, |yi|) is max_ps(|yi|, |yr|): both keep |yr| when either is NaN.
    const __m256 scale = _mm256_max_ps(_mm256_andnot_ps(sign, yi), _mm256_andnot_ps(sign, yr));
    const __m256 c = _mm256_div_ps(yr, scale), d = _mm256_div_ps(yi, scale);
    const __m256 denom = _mm256_add_ps(_mm256_mul_ps(c, c), _mm256_mul_ps(d, d));
    const __m256 re = _mm256_add_ps(_mm256_mul_ps(a, c), _mm256_mul_ps(b, d));
    const __m256 im = _mm256_sub_ps(_mm256_mul_ps(b, c), _mm256_mul_ps(a, d));
    const __m256 qr = _mm256_div_ps(_mm256_div_ps(re, denom), scale);
    const __m256 qi = _mm256_div_ps(_mm256_div_ps(im, denom), scale);
    _mm256_storeu_ps(of + 2 * j, _mm256_unpacklo_ps(qr, qi));
    _mm256_storeu_ps(of + 2 * j + 8, _mm256_unpackhi_ps(qr, qi));
  }
  for (; j < n; ++j) out[j] = Quotient(x[j], y[j]);
}
#endif

Status RealDivKernel(KernelContext& ctx) {
#if defined(__x86_64__)
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  if (a.dtype() == DType::kComplex64 && b.dtype() == DType::kComplex64 && math::UseAvx2() &&
      a.shape().dims() == b.shape().dims() && ctx.output(0).shape().dims() == a.shape().dims()) {
    const auto* x = a.data<std::complex<float>>();
    const auto* y = b.data<std::complex<float>>();
    auto* out = ctx.output(0).data<std::complex<float>>();
    ctx.ParallelFor(a.num_elements(), 4,
                    [&](int64_t begin, int64_t end) { QuotientsAvx2(x + begin, y + begin, out + begin, end - begin); });
    return Status::Ok();
  }
#endif
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>, float>(
      ctx, 2, [](auto x, auto y) { return Quotient(x, y); }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("RealDiv")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, elementwise with broadcasting (tf.math.divide).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(RealDivKernel));

}  // namespace
}  // namespace opbridge
