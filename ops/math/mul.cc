// Mul: TF's x * y, elementwise with broadcasting (tf.math.multiply / *), for
// the dtypes the converter leaves custom: double (no float64 builtin), half,
// bfloat16 and complex128 (complex64 goes to the builtin MUL). Complex products are
// (ac - bd, ad + bc) with each product and sum rounded once, as Eigen's packet
// path in TF's kernel computes them (the C library's operator* differs only
// in recovering infinities from NaN results, which TF's packets do not).
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <complex>

#include "broadcast.h"

namespace opbridge {
namespace {

template <typename R>
std::complex<R> Product(std::complex<R> x, std::complex<R> y) {
  const R ac = x.real() * y.real(), bd = x.imag() * y.imag();
  const R ad = x.real() * y.imag(), bc = x.imag() * y.real();
  return std::complex<R>(ac - bd, ad + bc);
}
// double, and half and bfloat16 (Eigen multiplies in float and rounds, as TF).
template <typename T>
T Product(T x, T y) {
  return x * y;
}

Status MulKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>>(
      ctx, 1, [](auto x, auto y) { return Product(x, y); }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("Mul")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * y, elementwise with broadcasting (tf.math.multiply).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, double, complex64, complex128}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(MulKernel));

}  // namespace
}  // namespace opbridge
