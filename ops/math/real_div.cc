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

#include "broadcast.h"

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

Status RealDivKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 2, [](auto x, auto y) { return Quotient(x, y); }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("RealDiv")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x / y, elementwise with broadcasting (tf.math.divide).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(RealDivKernel));

}  // namespace
}  // namespace opbridge
