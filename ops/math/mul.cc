// Mul: TF's x * y, elementwise with broadcasting (tf.math.multiply / *), in
// every dtype TF's CPU kernel takes; the converter leaves it custom for those
// the builtin MUL lacks: double, half, bfloat16, complex128, int8, uint8,
// uint16, uint64 (complex64 goes to the builtin MUL). Integers wrap (int_arith.h). Complex products are
// (ac - bd, ad + bc) with each product and sum rounded once, as Eigen's packet
// path in TF's kernel computes them (the C library's operator* differs only
// in recovering infinities from NaN results, which TF's packets do not).
// Broadcasting follows TF's binary cwise ops (broadcast.h).
#include <complex>

#include "broadcast.h"
#include "int_arith.h"

namespace opbridge {
namespace {

template <typename R>
std::complex<R> Product(std::complex<R> x, std::complex<R> y) {
  const R ac = x.real() * y.real(), bd = x.imag() * y.imag();
  const R ad = x.real() * y.imag(), bc = x.imag() * y.real();
  return std::complex<R>(ac - bd, ad + bc);
}
// double, and half and bfloat16 (Eigen multiplies in float and rounds, as TF).
// (integers wrap: int_arith.h).
template <typename T>
T Product(T x, T y) {
  return math::WrapMul(x, y);
}

Status MulKernel(KernelContext& ctx) {
  return math::BinaryBroadcast<double, Eigen::half, Eigen::bfloat16, std::complex<float>, std::complex<double>, float,
                               int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t>(
      ctx, 1, [](auto x, auto y) { return Product(x, y); }, math::Fusing::kOneStep);
}

OPBRIDGE_REGISTER_OP(OpSpec("Mul")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("x * y, elementwise with broadcasting (tf.math.multiply).")
                         .Input("x: T")
                         .Input("y: T")
                         .Output("z: T")
                         .Attr("T: {half, bfloat16, float, double, complex64, complex128, int8, int16, int32, int64, uint8, uint16, uint32, uint64}")
                         .ShapeRule(math::BroadcastBinaryShape)
                         .Kernel(MulKernel));

}  // namespace
}  // namespace opbridge
