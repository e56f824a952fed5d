// Shared by FresnelCos and FresnelSin (tf.math.special.fresnel_cos/sin):
// C(x) = integral_0^x cos(pi t^2 / 2) dt, S(x) = the same with sin.
//
// TF's kernels (kernels/special_math) evaluate Cephes' approximations one
// element at a time (their functors have no packet path), with Eigen's
// polynomial helper, the C library's sin and cos, and no fused multiply-adds
// (TF's x86 wheel has no FMA). The same approximations in the same order give
// TF's bits. As in TF: x^2 < 2.5625 takes a rational in x^4 (odd in x), larger
// |x| the auxiliary functions f, g with C = 1/2 + (f sin - g cos) / (pi x),
// S = 1/2 - (f cos + g sin) / (pi x); |x| > 36974 (inf included) gives +-1/2;
// NaN gives NaN.
#pragma once

#include <type_traits>

#include "elementwise.h"

namespace opbridge {
namespace math {

// C(x) or S(x) for x >= 0 with x^2 >= 2.5625.
template <typename T>
T FresnelAsymptotic(T x, bool sine) {
  using Eigen::internal::ppolevl;
  static const T kFP[] = {T(4.21543555043677546506E-1),  T(1.43407919780758885261E-1),
                          T(1.15220955073585758835E-2),  T(3.45017939782574027900E-4),
                          T(4.63613749287867322088E-6),  T(3.05568983790257605827E-8),
                          T(1.02304514164907233465E-10), T(1.72010743268161828879E-13),
                          T(1.34283276233062758925E-16), T(3.76329711269987889006E-20)};
  static const T kFQ[] = {T(1.0),
                          T(7.51586398353378947175E-1),
                          T(1.16888925859191382142E-1),
                          T(6.44051526508858611005E-3),
                          T(1.55934409164153020873E-4),
                          T(1.84627567348930545870E-6),
                          T(1.12699224763999035261E-8),
                          T(3.60140029589371370404E-11),
                          T(5.88754533621578410010E-14),
                          T(4.52001434074129701496E-17),
                          T(1.25443237090011264384E-20)};
  static const T kGP[] = {T(5.04442073643383265887E-1),  T(1.97102833525523411709E-1),
                          T(1.87648584092575249293E-2),  T(6.84079380915393090172E-4),
                          T(1.15138826111884280931E-5),  T(9.82852443688422223854E-8),
                          T(4.45344415861750144738E-10), T(1.08268041139020870318E-12),
                          T(1.37555460633261799868E-15), T(8.36354435630677421531E-19),
                          T(1.86958710162783235106E-22)};
  static const T kGQ[] = {T(1.0),
                          T(1.47495759925128324529E0),
                          T(3.37748989120019970451E-1),
                          T(2.53603741420338795122E-2),
                          T(8.14679107184306179049E-4),
                          T(1.27545075667729118702E-5),
                          T(1.04314589657571990585E-7),
                          T(4.60680728146520428211E-10),
                          T(1.10273215066240270757E-12),
                          T(1.38796531259578871258E-15),
                          T(8.39158816283118707363E-19),
                          T(1.86958710162783236342E-22)};
  // TF's constants: pi from Eigen's long double, pi/2 from a double literal.
  const T pi = static_cast<T>(EIGEN_PI);
  const T half_pi = T(1.5707963267948966);
  const T x2 = x * x;
  const T t = T(1) / (pi * x2);
  const T u = t * t;
  const T f = T(1) - u * (ppolevl<T, 9>::run(u, kFP) / ppolevl<T, 10>::run(u, kFQ));
  const T g = t * ppolevl<T, 10>::run(u, kGP) / ppolevl<T, 11>::run(u, kGQ);
  const T z = half_pi * x2;
  const T c = Eigen::numext::cos(z);
  const T s = Eigen::numext::sin(z);
  const T y = T(1) / (pi * x);
  if (sine) {
    T r = f * c;
    r += g * s;
    return T(0.5) - r * y;
  }
  T r = f * s;
  r -= g * c;
  return T(0.5) + r * y;
}

// C(x) for 0 <= x, x^2 < 2.5625: x P(x^4) / Q(x^4).
template <typename T>
T FresnelCosSmall(T x) {
  using Eigen::internal::ppolevl;
  static const T kP[] = {T(-4.98843114573573548651E-8), T(9.50428062829859605134E-6),
                         T(-6.45191435683965050962E-4), T(1.88843319396703850064E-2),
                         T(-2.05525900955013891793E-1), T(9.99999999999999998822E-1)};
  static const T kQ[] = {T(3.99982968972495980367E-12), T(9.15439215774657478799E-10),
                         T(1.25001862479598821474E-7),  T(1.22262789024179030997E-5),
                         T(8.68029542941784300606E-4),  T(4.12142090722199792936E-2),
                         T(1.00000000000000000118E0)};
  const T x2 = x * x;
  const T x4 = x2 * x2;
  return x * ppolevl<T, 5>::run(x4, kP) / ppolevl<T, 6>::run(x4, kQ);
}

// S(x) for 0 <= x, x^2 < 2.5625: x^3 P(x^4) / Q(x^4).
template <typename T>
T FresnelSinSmall(T x) {
  using Eigen::internal::ppolevl;
  static const T kP[] = {T(-2.99181919401019853726E3),  T(7.08840045257738576863E5),
                         T(-6.29741486205862506537E7),  T(2.54890880573376359104E9),
                         T(-4.42979518059697779103E10), T(3.18016297876567817986E11)};
  static const T kQ[] = {T(1.0),
                         T(2.81376268889994315696E2),
                         T(4.55847810806532581675E4),
                         T(5.17343888770096400730E6),
                         T(4.19320245898111231129E8),
                         T(2.24411795645340920940E10),
                         T(6.07366389490084639049E11)};
  const T x2 = x * x;
  const T x4 = x2 * x2;
  const T x3 = x * x2;
  return x3 * ppolevl<T, 5>::run(x4, kP) / ppolevl<T, 6>::run(x4, kQ);
}

// TF's sign and range handling around the two approximations.
template <typename T>
T Fresnel(T x, bool sine) {
  const T magnitude = Eigen::numext::abs(x);
  if (magnitude > T(36974.0)) return x < T(0) ? T(-0.5) : T(0.5);
  T value;
  if (x * x < T(2.5625)) {
    value = sine ? FresnelSinSmall(magnitude) : FresnelCosSmall(magnitude);
  } else {
    value = FresnelAsymptotic(magnitude, sine);
  }
  return x < T(0) ? -value : value;
}

// The kernel of FresnelCos (sine = false) or FresnelSin.
inline Status FresnelKernel(KernelContext& ctx, bool sine) {
  return UnaryElementwise<float, double>(ctx, 40, [sine](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return x.unaryExpr([sine](T v) { return Fresnel(v, sine); });
  });
}

}  // namespace math
}  // namespace opbridge
