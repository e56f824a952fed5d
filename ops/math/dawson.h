// Dawson's integral as TF's kernel computes it (Cephes' rational
// approximations in TF's order, no fused multiply-adds), on scalars and on
// Eigen packets. dawsn.cc evaluates it one element at a time (TF's way) where
// packets could contract (aarch64), else in packets of 4/2 lanes (SSE2, the
// baseline x86-64 build) or 8/4 (dawsn_avx2.cc, the isolated AVX2 build
// without FMA). A packet computes every range's formula for all its lanes and
// selects per lane; each lane's operations are the scalar's, so the bits are
// TF's either way (divisions are exact IEEE operations; ppolevl is a multiply
// then an add where nothing contracts).
//
// As in TF, the approximations are odd in x, but |x| >= 1e9 (and NaN, inf)
// take 0.5 / x and then the sign flip for negative x: F(-1e10) is +5e-11,
// F(+-inf) is +0.
#pragma once

#include <Eigen/Core>
#include <cstdint>

namespace opbridge::math::dawson {

using Eigen::internal::ppolevl;

template <typename T>
struct Coefficients {
  // 0 <= x < 3.25: x P(x^2) / Q(x^2).
  static constexpr T kP1[] = {T(1.13681498971755972054E-11), T(8.49262267667473811108E-10),
                              T(1.94434204175553054283E-8),  T(9.53151741254484363489E-7),
                              T(3.07828309874913200438E-6),  T(3.52513368520288738649E-4),
                              T(-8.50149846724410912031E-4), T(4.22618223005546594270E-2),
                              T(-9.17480371773452345351E-2), T(9.99999999999999994612E-1)};
  static constexpr T kQ1[] = {T(2.40372073066762605484E-11), T(1.48864681368493396752E-9),
                              T(5.21265281010541664570E-8),  T(1.27258478273186970203E-6),
                              T(2.32490249820789513991E-5),  T(3.25524741826057911661E-4),
                              T(3.48805814657162590916E-3),  T(2.79448531198828973716E-2),
                              T(1.58874241960120565368E-1),  T(5.74918629489320327824E-1),
                              T(1.00000000000000000539E0)};
  // 3.25 <= x < 6.25.
  static constexpr T kP2[] = {T(5.08955156417900903354E-1),  T(-2.44754418142697847934E-1),
                              T(9.41512335303534411857E-2),  T(-2.18711255142039025206E-2),
                              T(3.66207612329569181322E-3),  T(-4.23209114460388756528E-4),
                              T(3.59641304793896631888E-5),  T(-2.14640351719968974225E-6),
                              T(9.10010780076391431042E-8),  T(-2.40274520828250956942E-9),
                              T(3.59233385440928410398E-11)};
  static constexpr T kQ2[] = {T(1.0),
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
  static constexpr T kP3[] = {T(-5.90592860534773254987E-1), T(6.29235242724368800674E-1),
                              T(-1.72858975380388136411E-1), T(1.64837047825189632310E-2),
                              T(-4.86827613020462700845E-4)};
  static constexpr T kQ3[] = {T(1.0),
                              T(-2.69820057197544900361E0),
                              T(1.73270799045947845857E0),
                              T(-3.93708582281939493482E-1),
                              T(3.44278924041233391079E-2),
                              T(-9.73655226040941223894E-4)};
};

// F(x) for 0 <= x < 3.25 (P a scalar or a packet).
// (Eigen's p-functions are the plain operators on scalars.)
template <typename P, typename T>
P Small(const P& x) {
  namespace e = Eigen::internal;
  using C = Coefficients<T>;
  const P x2 = e::pmul(x, x);
  return e::pdiv(e::pmul(x, ppolevl<P, 9>::run(x2, C::kP1)), ppolevl<P, 10>::run(x2, C::kQ1));
}

// F(x) for larger x: (1/x + 1/x^2 * P(1/x^2) / (x Q(1/x^2))) / 2.
template <typename P, typename T, int NP, int NQ>
P Asymptotic(const P& x, const T* p, const T* q) {
  namespace e = Eigen::internal;
  const P inverse = e::pdiv(e::pset1<P>(T(1)), x);
  const P inverse2 = e::pmul(inverse, inverse);
  const P ratio = e::pdiv(ppolevl<P, NP>::run(inverse2, p), e::pmul(x, ppolevl<P, NQ>::run(inverse2, q)));
  return e::pmul(e::pset1<P>(T(0.5)), e::padd(e::pmul(inverse2, ratio), inverse));
}

// One element, TF's branches.
template <typename T>
T Dawson(T x) {
  using C = Coefficients<T>;
  const T magnitude = Eigen::numext::abs(x);
  T f;
  if (magnitude < T(3.25)) {
    f = Small<T, T>(magnitude);
  } else if (magnitude < T(6.25)) {
    f = Asymptotic<T, T, 10, 10>(magnitude, C::kP2, C::kQ2);
  } else if (magnitude < T(1.0e9)) {
    f = Asymptotic<T, T, 4, 5>(magnitude, C::kP3, C::kQ3);
  } else {
    f = T(0.5) / x;  // x, not |x|, as TF: the sign flip below makes it positive
  }
  return x < T(0) ? -f : f;
}

// A packet of elements: every formula on every lane, then the lane's own.
template <typename Packet>
Packet DawsonPacket(const Packet& x) {
  namespace e = Eigen::internal;
  using T = typename e::unpacket_traits<Packet>::type;
  using C = Coefficients<T>;
  const Packet magnitude = e::pabs(x);
  const Packet small = Small<Packet, T>(magnitude);
  const Packet middle = Asymptotic<Packet, T, 10, 10>(magnitude, C::kP2, C::kQ2);
  const Packet large = Asymptotic<Packet, T, 4, 5>(magnitude, C::kP3, C::kQ3);
  const Packet huge = e::pdiv(e::pset1<Packet>(T(0.5)), x);
  Packet f = e::pselect(e::pcmp_lt(magnitude, e::pset1<Packet>(T(1.0e9))), large, huge);
  f = e::pselect(e::pcmp_lt(magnitude, e::pset1<Packet>(T(6.25))), middle, f);
  f = e::pselect(e::pcmp_lt(magnitude, e::pset1<Packet>(T(3.25))), small, f);
  return e::pselect(e::pcmp_lt(x, e::pset1<Packet>(T(0))), e::pnegate(f), f);
}

// out[i] = F(in[i]) for i < n: whole packets of the build's width, then the
// rest one at a time (the same operations, so the same bits).
template <typename T>
void DawsonPackets(const T* in, T* out, int64_t n) {
  namespace e = Eigen::internal;
  using Packet = typename e::packet_traits<T>::type;
  constexpr int64_t kLanes = e::packet_traits<T>::size;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) e::pstoreu(out + i, DawsonPacket(e::ploadu<Packet>(in + i)));
  for (; i < n; ++i) out[i] = Dawson(in[i]);
}

}  // namespace opbridge::math::dawson
