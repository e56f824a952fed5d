// Expint: TF's exponential integral Ei(x), elementwise
// (tf.math.special.expint). TFLite has no kernel: the converter emits CUSTOM
// "Expint" with options {T}.
//
// TF's kernel (kernels/special_math) evaluates Cephes' approximations one
// element at a time (its functor has no packet path), with Eigen's polynomial
// helper and no fused multiply-adds (TF's x86 wheel has no FMA): below 2,
// x P(x)/Q(x) + Euler's gamma + log x; above, exp(x)/x (1 + R(1/x)/x) with
// one rational R per interval [2,4), [4,8), [8,16), [16,32), [32,64), [64,inf).
// The same approximations in the same order give TF's bits, and TF's edges:
// NaN for x < 0, -inf at 0, +inf once exp overflows, and NaN at +inf
// (exp(inf) * (1/inf)). TF's CPU kernel takes float and double.
//
// One library difference: TF's wheel links glibc's pre-2.29 `log` (symbol
// version GLIBC_2.2.5), a wrapper that tests x <= 0 before taking the
// logarithm; this library links the current one. Under TF's
// denormals-are-zero mode a subnormal double compares equal to 0, so TF gives
// -inf for it where the current `log` reads its bits (about -744.6): LogAsTf
// takes the wrapper's test. (logf has one version in both.)
#include <limits>
#include <type_traits>

#include "elementwise.h"

namespace opbridge {
namespace {

using Eigen::internal::ppolevl;

template <typename T>
T LogAsTf(T x) {
  if (std::is_same<T, double>::value && x <= T(0)) {
    return x == T(0) ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::quiet_NaN();
  }
  return Eigen::numext::log(x);
}

// exp(x) / x * (1 + P(1/x) / (x Q(1/x))), TF's form on x >= 2.
template <typename T, int NP, int NQ>
T ExpintLarge(T x, const T* p, const T* q) {
  const T w = T(1) / x;
  T f = ppolevl<T, NP>::run(w, p) / ppolevl<T, NQ>::run(w, q);
  f = w * f + T(1);
  return Eigen::numext::exp(x) * w * f;
}

template <typename T>
T ExpintBelowTwo(T x) {
  static const T kP[] = {T(-5.350447357812542947283E0), T(2.185049168816613393830E2),
                         T(-4.176572384826693777058E3), T(5.541176756393557601232E4),
                         T(-3.313381331178144034309E5), T(1.592627163384945414220E6)};
  static const T kQ[] = {T(1.0),
                         T(-5.250547959112862969197E1),
                         T(1.259616186786790571525E3),
                         T(-1.756549581973534652631E4),
                         T(1.493062117002725991967E5),
                         T(-7.294949239640527645655E5),
                         T(1.592627163384945429726E6)};
  const T euler_gamma = T(0.5772156649015329);
  const T f = ppolevl<T, 5>::run(x, kP) / ppolevl<T, 6>::run(x, kQ);
  return x * f + euler_gamma + LogAsTf(x);
}

template <typename T>
T Expint(T x) {
  // [2, 4)
  static const T kP1[] = {T(1.981808503259689673238E-2),  T(-1.271645625984917501326E0),
                          T(-2.088160335681228318920E0),  T(2.755544509187936721172E0),
                          T(-4.409507048701600257171E-1), T(4.665623805935891391017E-2),
                          T(-1.545042679673485262580E-3), T(7.059980605299617478514E-5)};
  static const T kQ1[] = {T(1.0),
                          T(1.476498670914921440652E0),
                          T(5.629177174822436244827E-1),
                          T(1.699017897879307263248E-1),
                          T(2.291647179034212017463E-2),
                          T(4.450150439728752875043E-3),
                          T(1.727439612206521482874E-4),
                          T(3.953167195549672482304E-5)};
  // [4, 8)
  static const T kP2[] = {T(-1.373215375871208729803E0), T(-7.084559133740838761406E-1),
                          T(1.580806855547941010501E0),  T(-2.601500427425622944234E-1),
                          T(2.994674694113713763365E-2), T(-1.038086040188744005513E-3),
                          T(4.371064420753005429514E-5), T(2.141783679522602903795E-6)};
  static const T kQ2[] = {T(1.0),
                          T(8.585231423622028380768E-1),
                          T(4.483285822873995129957E-1),
                          T(7.687932158124475434091E-2),
                          T(2.449868241021887685904E-2),
                          T(8.832165941927796567926E-4),
                          T(4.590952299511353531215E-4),
                          T(-4.729848351866523044863E-6),
                          T(2.665195537390710170105E-6)};
  // [8, 16)
  static const T kP3[] = {T(-2.106934601691916512584E0),  T(1.732733869664688041885E0),
                          T(-2.423619178935841904839E-1), T(2.322724180937565842585E-2),
                          T(2.372880440493179832059E-4),  T(-8.343219561192552752335E-5),
                          T(1.363408795605250394881E-5),  T(-3.655412321999253963714E-7),
                          T(1.464941733975961318456E-8),  T(6.176407863710360207074E-10)};
  static const T kQ3[] = {T(1.0),
                          T(-2.298062239901678075778E-1),
                          T(1.105077041474037862347E-1),
                          T(-1.566542966630792353556E-2),
                          T(2.761106850817352773874E-3),
                          T(-2.089148012284048449115E-4),
                          T(1.708528938807675304186E-5),
                          T(-4.459311796356686423199E-7),
                          T(1.394634930353847498145E-8),
                          T(6.150865933977338354138E-10)};
  // [16, 32)
  static const T kP4[] = {T(-2.458119367674020323359E-1), T(-1.483382253322077687183E-1),
                          T(7.248291795735551591813E-2),  T(-1.348315687380940523823E-2),
                          T(1.342775069788636972294E-3),  T(-7.942465637159712264564E-5),
                          T(2.644179518984235952241E-6),  T(-4.239473659313765177195E-8)};
  static const T kQ4[] = {T(1.0),
                          T(-1.044225908443871106315E-1),
                          T(-2.676453128101402655055E-1),
                          T(9.695000254621984627876E-2),
                          T(-1.601745692712991078208E-2),
                          T(1.496414899205908021882E-3),
                          T(-8.462452563778485013756E-5),
                          T(2.728938403476726394024E-6),
                          T(-4.239462431819542051337E-8)};
  // [32, 64)
  static const T kP5[] = {T(1.212561118105456670844E-1), T(-5.823133179043894485122E-1),
                          T(2.348887314557016779211E-1), T(-3.040034318113248237280E-2),
                          T(1.510082146865190661777E-3), T(-2.523137095499571377122E-5)};
  static const T kQ5[] = {T(1.0),
                          T(-1.002252150365854016662E0),
                          T(2.928709694872224144953E-1),
                          T(-3.337004338674007801307E-2),
                          T(1.560544881127388842819E-3),
                          T(-2.523137093603234562648E-5)};
  // [64, inf)
  static const T kP6[] = {T(-7.657847078286127362028E-1), T(6.886192415566705051750E-1),
                          T(-2.132598113545206124553E-1), T(3.346107552384193813594E-2),
                          T(-3.076541477344756050249E-3), T(1.747119316454907477380E-4),
                          T(-6.103711682274170530369E-6), T(1.218032765428652199087E-7),
                          T(-1.086076102793290233007E-9)};
  static const T kQ6[] = {T(1.0),
                          T(-1.888802868662308731041E0),
                          T(1.066691687211408896850E0),
                          T(-2.751915982306380647738E-1),
                          T(3.930852688233823569726E-2),
                          T(-3.414684558602365085394E-3),
                          T(1.866844370703555398195E-4),
                          T(-6.345146083130515357861E-6),
                          T(1.239754287483206878024E-7),
                          T(-1.086076102793126632978E-9)};
  if (x < T(0)) return std::numeric_limits<T>::quiet_NaN();
  if (x < T(2)) return ExpintBelowTwo(x);
  if (x < T(4)) return ExpintLarge<T, 7, 7>(x, kP1, kQ1);
  if (x < T(8)) return ExpintLarge<T, 7, 8>(x, kP2, kQ2);
  if (x < T(16)) return ExpintLarge<T, 9, 9>(x, kP3, kQ3);
  if (x < T(32)) return ExpintLarge<T, 7, 8>(x, kP4, kQ4);
  if (x < T(64)) return ExpintLarge<T, 5, 5>(x, kP5, kQ5);
  return ExpintLarge<T, 8, 9>(x, kP6, kQ6);  // NaN lands here too
}

Status ExpintKernel(KernelContext& ctx) {
  return math::UnaryElementwise<float, double>(ctx, 30, [](const auto& x) {
    using T = typename std::decay_t<decltype(x)>::Scalar;
    return x.unaryExpr([](T v) { return Expint(v); });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Expint")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Exponential integral Ei(x), elementwise (tf.math.special.expint).")
                         .Input("x: T")
                         .Output("y: T")
                         .Attr("T: {float, double}")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(ExpintKernel));

}  // namespace
}  // namespace opbridge
