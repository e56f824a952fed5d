// Dawsn: TF's Dawson integral F(x) = exp(-x^2) * integral_0^x exp(t^2) dt,
// elementwise (tf.math.special.dawsn). TFLite has no kernel: the converter
// emits CUSTOM "Dawsn" with options {T}.
//
// TF's kernel (kernels/special_math) evaluates Cephes' rational approximations
// one element at a time (its functor has no packet path), with Eigen's
// polynomial helper and no fused multiply-adds (TF's x86 wheel has no FMA).
// The same approximations in the same order give TF's bits. As in TF, the
// approximations are odd in x, but |x| >= 1e9 (and NaN, inf) take 0.5 / x and
// then the sign flip for negative x: F(-1e10) is +5e-11, F(+-inf) is +0.
// TF's CPU kernel takes float and double (half and bfloat16 are not
// registered; the converter may still emit them, and they are refused).
#include <type_traits>

#include "elementwise.h"

namespace opbridge {
namespace {

using Eigen::internal::ppolevl;

// F(x) for 0 <= x < 3.25: x P(x^2) / Q(x^2).
template <typename T>
T DawsonSmall(T x) {
  static const T kP[] = {T(1.13681498971755972054E-11), T(8.49262267667473811108E-10),
                         T(1.94434204175553054283E-8),  T(9.53151741254484363489E-7),
                         T(3.07828309874913200438E-6),  T(3.52513368520288738649E-4),
                         T(-8.50149846724410912031E-4), T(4.22618223005546594270E-2),
                         T(-9.17480371773452345351E-2), T(9.99999999999999994612E-1)};
  static const T kQ[] = {T(2.40372073066762605484E-11), T(1.48864681368493396752E-9),
                         T(5.21265281010541664570E-8),  T(1.27258478273186970203E-6),
                         T(2.32490249820789513991E-5),  T(3.25524741826057911661E-4),
                         T(3.48805814657162590916E-3),  T(2.79448531198828973716E-2),
                         T(1.58874241960120565368E-1),  T(5.74918629489320327824E-1),
                         T(1.00000000000000000539E0)};
  const T x2 = x * x;
  return x * ppolevl<T, 9>::run(x2, kP) / ppolevl<T, 10>::run(x2, kQ);
}

// F(x) for larger x: (1/x + 1/x^2 * P(1/x^2) / (x Q(1/x^2))) / 2.
template <typename T, int NP, int NQ>
T DawsonAsymptotic(T x, const T* p, const T* q) {
  const T inverse = T(1) / x;
  const T inverse2 = inverse * inverse;
  const T ratio = ppolevl<T, NP>::run(inverse2, p) / (x * ppolevl<T, NQ>::run(inverse2, q));
  return T(0.5) * (inverse2 * ratio + inverse);
}

template <typename T>
T Dawson(T x) {
  // 3.25 <= x < 6.25.
  static const T kP2[] = {T(5.08955156417900903354E-1),  T(-2.44754418142697847934E-1),
                          T(9.41512335303534411857E-2),  T(-2.18711255142039025206E-2),
                          T(3.66207612329569181322E-3),  T(-4.23209114460388756528E-4),
                          T(3.59641304793896631888E-5),  T(-2.14640351719968974225E-6),
                          T(9.10010780076391431042E-8),  T(-2.40274520828250956942E-9),
                          T(3.59233385440928410398E-11)};
  static const T kQ2[] = {T(1.0),
                          T(-6.31839869873368190192E-1),
                          T(2.36706788228248691528E-1),
                          T(-5.31806367003223277662E-2),
                          T(8.48041718586295374409E-3),
                          T(-9.47996768486665330168E-4),
                          T(7.81025592944552338085E-5),
                          T(-4.55875153252442634831E-6),
                          T(1.89100358111421846170E-7),
                          T(-4.91324691331920606875E-9),
                          T(7.18466403235734541950E-11)};
  // 6.25 <= x < 1e9.
  static const T kP3[] = {T(-5.90592860534773254987E-1), T(6.29235242724368800674E-1),
                          T(-1.72858975380388136411E-1), T(1.64837047825189632310E-2),
                          T(-4.86827613020462700845E-4)};
  static const T kQ3[] = {T(1.0),
                          T(-2.69820057197544900361E0),
                          T(1.73270799045947845857E0),
                          T(-3.93708582281939493482E-1),
                          T(3.44278924041233391079E-2),
                          T(-9.73655226040941223894E-4)};
  const T magnitude = Eigen::numext::abs(x);
  T f;
  if (magnitude < T(3.25)) {
    f = DawsonSmall(magnitude);
  } else if (magnitude < T(6.25)) {
    f = DawsonAsymptotic<T, 10, 10>(magnitude, kP2, kQ2);
  } else if (magnitude < T(1.0e9)) {
    f = DawsonAsymptotic<T, 4, 5>(magnitude, kP3, kQ3);
  } else {
    f = T(0.5) / x;  // x, not |x|, as TF: the sign flip below makes it positive
  }
  return x < T(0) ? -f : f;
}

Status DawsnKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double>(ctx, 20, [](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return x.unaryExpr([](T v) { return Dawson(v); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Dawsn")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Dawson's integral, elementwise (tf.math.special.dawsn).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(DawsnKernel));

}  // namespace
}  // namespace opbridge
