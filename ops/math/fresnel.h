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

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "avx2_dispatch.h"
#include "elementwise.h"
#include "float_lanes.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opbridge {
namespace math {

// Cephes' coefficients as TF's functors hold them (rounded to T).
template <typename T>
struct FresnelCoefficients {
  // The auxiliary functions f (FP/FQ) and g (GP/GQ), in u = (1 / (pi x^2))^2.
  static constexpr T kFP[] = {
      T(4.21543555043677546506E-1),
      T(1.43407919780758885261E-1),
      T(1.15220955073585758835E-2),
      T(3.45017939782574027900E-4),
      T(4.63613749287867322088E-6),
      T(3.05568983790257605827E-8),
      T(1.02304514164907233465E-10),
      T(1.72010743268161828879E-13),
      T(1.34283276233062758925E-16),
      T(3.76329711269987889006E-20)};
  static constexpr T kFQ[] = {
      T(1.0),
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
  static constexpr T kGP[] = {
      T(5.04442073643383265887E-1),
      T(1.97102833525523411709E-1),
      T(1.87648584092575249293E-2),
      T(6.84079380915393090172E-4),
      T(1.15138826111884280931E-5),
      T(9.82852443688422223854E-8),
      T(4.45344415861750144738E-10),
      T(1.08268041139020870318E-12),
      T(1.37555460633261799868E-15),
      T(8.36354435630677421531E-19),
      T(1.86958710162783235106E-22)};
  static constexpr T kGQ[] = {
      T(1.0),
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
  // C (CP/CQ) and S (SP/SQ) for x^2 < 2.5625, in x^4.
  static constexpr T kCP[] = {
      T(-4.98843114573573548651E-8),
      T(9.50428062829859605134E-6),
      T(-6.45191435683965050962E-4),
      T(1.88843319396703850064E-2),
      T(-2.05525900955013891793E-1),
      T(9.99999999999999998822E-1)};
  static constexpr T kCQ[] = {
      T(3.99982968972495980367E-12),
      T(9.15439215774657478799E-10),
      T(1.25001862479598821474E-7),
      T(1.22262789024179030997E-5),
      T(8.68029542941784300606E-4),
      T(4.12142090722199792936E-2),
      T(1.00000000000000000118E0)};
  static constexpr T kSP[] = {
      T(-2.99181919401019853726E3),
      T(7.08840045257738576863E5),
      T(-6.29741486205862506537E7),
      T(2.54890880573376359104E9),
      T(-4.42979518059697779103E10),
      T(3.18016297876567817986E11)};
  static constexpr T kSQ[] = {
      T(1.0),
      T(2.81376268889994315696E2),
      T(4.55847810806532581675E4),
      T(5.17343888770096400730E6),
      T(4.19320245898111231129E8),
      T(2.24411795645340920940E10),
      T(6.07366389490084639049E11)};
};

// TF's constants: pi from Eigen's long double, pi/2 from a double literal.
template <typename T>
constexpr T kFresnelPi = static_cast<T>(EIGEN_PI);
template <typename T>
constexpr T kFresnelHalfPi = T(1.5707963267948966);

// C(x) or S(x) for x >= 0 with x^2 >= 2.5625.
template <typename T>
T FresnelAsymptotic(T x, bool sine) {
  using Eigen::internal::ppolevl;
  using K = FresnelCoefficients<T>;
  const T pi = kFresnelPi<T>;
  const T x2 = x * x;
  const T t = T(1) / (pi * x2);
  const T u = t * t;
  const T f = T(1) - u * (ppolevl<T, 9>::run(u, K::kFP) / ppolevl<T, 10>::run(u, K::kFQ));
  const T g = t * ppolevl<T, 10>::run(u, K::kGP) / ppolevl<T, 11>::run(u, K::kGQ);
  const T z = kFresnelHalfPi<T> * x2;
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
  using K = FresnelCoefficients<T>;
  const T x2 = x * x;
  const T x4 = x2 * x2;
  return x * ppolevl<T, 5>::run(x4, K::kCP) / ppolevl<T, 6>::run(x4, K::kCQ);
}

// S(x) for 0 <= x, x^2 < 2.5625: x^3 P(x^4) / Q(x^4).
template <typename T>
T FresnelSinSmall(T x) {
  using Eigen::internal::ppolevl;
  using K = FresnelCoefficients<T>;
  const T x2 = x * x;
  const T x4 = x2 * x2;
  const T x3 = x * x2;
  return x3 * ppolevl<T, 5>::run(x4, K::kSP) / ppolevl<T, 6>::run(x4, K::kSQ);
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

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")  // TF's x86 wheel has no FMA: two roundings per step
namespace fresnel_avx2 {

// float32 C or S, 8 lanes per step: the scalar path's operations in its order
// (AVX2 without FMA rounds each as the scalar code does), both branches
// computed and chosen per lane, the C library's cos and sin per lane. The
// same bits as Fresnel<float>.
using F8 = float __attribute__((vector_size(32)));
using I8 = int32_t __attribute__((vector_size(32)));
#define OPBRIDGE_FRESNEL_AVX2 __attribute__((target("avx2"), always_inline)) inline

template <int N>
OPBRIDGE_FRESNEL_AVX2 F8 Polevl(F8 x, const float* c) {  // Eigen's ppolevl: r = r * x + c[i]
  F8 r = F8{} + c[0];
  for (int i = 1; i <= N; ++i) r = r * x + c[i];
  return r;
}

OPBRIDGE_FRESNEL_AVX2 F8 Select(I8 mask, F8 a, F8 b) { return mask ? a : b; }

__attribute__((target("avx2"))) inline void Apply(const float* in, float* out, int64_t n, bool sine) {
  using K = FresnelCoefficients<float>;
  const F8 one = F8{} + 1.0f;
  const F8 half = F8{} + 0.5f;
  const F8 pi = F8{} + kFresnelPi<float>;
  for (int64_t i = 0; i < n; i += 8) {
    F8 x;
    std::memcpy(&x, in + i, sizeof x);
    I8 bits;
    std::memcpy(&bits, &x, sizeof x);
    bits &= 0x7fffffff;
    F8 m;  // |x|
    std::memcpy(&m, &bits, sizeof m);
    const I8 small = (x * x) < 2.5625f;
    const F8 m2 = m * m;
    const F8 m4 = m2 * m2;
    F8 value = sine ? (m * m2) * Polevl<5>(m4, K::kSP) / Polevl<6>(m4, K::kSQ)
                    : m * Polevl<5>(m4, K::kCP) / Polevl<6>(m4, K::kCQ);
    if (_mm256_movemask_ps(reinterpret_cast<__m256>(small)) != 0xff) {
      const F8 t = one / (pi * m2);
      const F8 u = t * t;
      const F8 f = one - u * (Polevl<9>(u, K::kFP) / Polevl<10>(u, K::kFQ));
      const F8 g = t * Polevl<10>(u, K::kGP) / Polevl<11>(u, K::kGQ);
      const F8 z = kFresnelHalfPi<float> * m2;
      F8 c{}, s{};
      for (int l = 0; l < 8; ++l) {
        if (small[l]) continue;
        c[l] = std::cos(z[l]);
        s[l] = std::sin(z[l]);
      }
      const F8 y = one / (pi * m);
      F8 r;
      F8 asymptotic;
      if (sine) {
        r = f * c;
        r += g * s;
        asymptotic = half - r * y;
      } else {
        r = f * s;
        r -= g * c;
        asymptotic = half + r * y;
      }
      value = Select(small, value, asymptotic);
    }
    const I8 negative = x < 0.0f;
    value = Select(negative, -value, value);
    value = Select(m > 36974.0f, Select(negative, -half, half), value);
    std::memcpy(out + i, &value, sizeof value);
  }
}

}  // namespace fresnel_avx2
#pragma GCC pop_options
#endif

// The kernel of FresnelCos (sine = false) or FresnelSin.
inline Status FresnelKernel(KernelContext& ctx, bool sine) {
#if defined(__x86_64__)
  if (ctx.input(0).dtype() == DType::kFloat32 && UseAvx2()) {
    return ApplyFloatLanes(
        ctx, 8, [sine](const float* in, float* out, int64_t n) { fresnel_avx2::Apply(in, out, n, sine); },
        [sine](float v) { return Fresnel(v, sine); });
  }
#endif
  return UnaryElementwise<float, double>(ctx, 40, [sine](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return x.unaryExpr([sine](T v) { return Fresnel(v, sine); });
  });
}

}  // namespace math
}  // namespace opbridge
