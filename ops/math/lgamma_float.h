// log|gamma(x)| for float32, vectorized.
//
// Why not the C library's lgammaf, as TF's kernel: it is one scalar call per
// element (~225 instructions), and then the converter's own lowering of
// lgamma into ~58 vectorized builtins is faster than a fused kernel. A
// double-precision evaluation does not help on baseline x86-64 either (Eigen's
// double log alone costs ~100 instructions). So this computes in float, 4
// lanes at a time, choosing per region a formula whose float rounding stays
// within a few ulp of the result, also where lgamma crosses zero:
//   x in [1.5, 2.5]:   Taylor series at 2, lgamma(2+e) = (1-g) e + sum_k (-1)^k (zeta(k)-1)/k e^k
//   x in [0.5, 1.5):   lgamma(x+1) - log x (at the root x = 1 both terms are O(e)
//                      and accurate, so the difference loses only ~1 ulp)
//   x in (2.5, 7):     lgamma(x-k) + log((x-1)...(x-k)), x-k in the series' range
//   x >= 7:            Stirling's series
//   x < 0.5:           reflection, log(pi / |sin(pi x)|) - lgamma(1 - x)
// (g is Euler's constant; zeta(k) - 1 is computed at start-up, in double.)
// A packet evaluates only the regions some lane of it needs.
// Lanes the float formulas cannot serve to a few ulp are recomputed with the
// C library in TF's float mode, which is exactly what TF computes: results
// near lgamma's negative roots (reflection cancels), subnormal inputs (TF's
// answer there is an artefact of flush-to-zero), and the poles.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <unsupported/Eigen/SpecialFunctions>

namespace opbridge::math {

struct LgammaSeries {
  // |e| <= 1/2 and (zeta(k) - 1) ~ 2^-k: term k is ~4^-k / k, below float's
  // resolution of the leading term well before k = 14.
  static constexpr int kTerms = 14;
  float at2[kTerms + 1] = {};  // coefficients of e^0 .. e^n of lgamma(2 + e)

  LgammaSeries() {
    constexpr double kEuler = 0.57721566490153286061;
    at2[1] = static_cast<float>(1.0 - kEuler);
    for (int k = 2; k <= kTerms; ++k) {
      const double sign = k % 2 == 0 ? 1.0 : -1.0;
      at2[k] = static_cast<float>(sign * ZetaMinusOne(k) / k);
    }
  }

  // zeta(k) - 1 = sum_{n >= 2} n^-k: the first terms summed, the rest by
  // Euler-Maclaurin (integral, half the first omitted term, its derivative).
  static double ZetaMinusOne(int k) {
    constexpr int kTerms = 2000;
    double sum = 0.0;
    for (int n = kTerms; n >= 2; --n) sum += std::pow(static_cast<double>(n), -k);
    const double big_n = kTerms + 1.0;
    sum += std::pow(big_n, 1.0 - k) / (k - 1) + 0.5 * std::pow(big_n, -k) + k / 12.0 * std::pow(big_n, -k - 1);
    return sum;
  }
};

namespace lgamma_packet {

using Eigen::internal::padd;
using Eigen::internal::pand;
using Eigen::internal::pcmp_le;
using Eigen::internal::pcmp_lt;
using Eigen::internal::pdiv;
using Eigen::internal::plog;
using Eigen::internal::pmul;
using Eigen::internal::pselect;
using Eigen::internal::pset1;
using Eigen::internal::psub;
using Packet = Eigen::internal::packet_traits<float>::type;
// packet_traits, not unpacket_traits<Packet>: a vector type as a template
// argument loses its attributes (a -Wignored-attributes warning).
constexpr int kLanes = Eigen::internal::packet_traits<float>::size;

inline Packet Horner(Packet e, const float* c, int degree) {
  Packet r = pset1<Packet>(c[degree]);
  for (int i = degree - 1; i >= 0; --i) r = padd(pmul(r, e), pset1<Packet>(c[i]));
  return r;
}

// lgamma for lanes x >= 0.5 (others: any finite value, result ignored).
inline Packet FromHalf(Packet x, const LgammaSeries& series) {
  using Eigen::internal::predux_any;
  const Packet one = pset1<Packet>(1.0f);
  const Packet seven = pset1<Packet>(7.0f);
  const Packet small = pcmp_lt(x, seven);
  Packet near2 = one;
  if (predux_any(small)) {
    // Shift [0.5, 1.5) up by one, (2.5, 7) down into (1.5, 2.5].
    const Packet low = pcmp_lt(x, pset1<Packet>(1.5f));
    Packet s = pselect(low, padd(x, one), x);
    Packet product = one;
    for (int step = 0; step < 5; ++step) {
      const Packet down = pand(pcmp_lt(pset1<Packet>(2.5f), s), pcmp_lt(s, seven));
      product = pselect(down, pmul(product, psub(s, one)), product);
      s = pselect(down, psub(s, one), s);
    }
    // -log(x) when shifted up (not log(1/x): 1/x rounds), log of the product
    // when shifted down: one log.
    const Packet logs = plog(pselect(low, x, product));
    const Packet shift = pselect(low, Eigen::internal::pnegate(logs), logs);
    // The series argument s - 2, computed exactly: x + 1 rounds, but for the
    // lanes shifted up it equals x - 1, exact for x in [0.5, 2] (Sterbenz), and
    // x - k is exact for the lanes shifted down.
    const Packet e = pselect(low, psub(x, one), psub(s, pset1<Packet>(2.0f)));
    near2 = padd(Horner(e, series.at2, LgammaSeries::kTerms), shift);
  }
  if (!predux_any(pcmp_le(seven, x))) return near2;
  // Stirling for x >= 7: (x - 1/2) log x - x + log(2 pi)/2 + 1/(12x) - 1/(360x^3) + 1/(1260x^5).
  const Packet big = pselect(small, seven, x);
  const Packet inv = pdiv(one, big);
  const Packet inv2 = pmul(inv, inv);
  const Packet correction = pmul(
      inv, padd(pset1<Packet>(1.0f / 12),
                pmul(inv2, padd(pset1<Packet>(-1.0f / 360), pmul(inv2, pset1<Packet>(1.0f / 1260))))));
  // Grouped as (x - 1/2)(log x - 1) + (log(2 pi) - 1)/2: (x - 1/2) log x alone
  // overflows float for x > ~4e36 where lgamma itself is still finite.
  const Packet stirling = padd(pmul(psub(big, pset1<Packet>(0.5f)), psub(plog(big), one)),
                               padd(pset1<Packet>(0.418938533f), correction));
  return pselect(small, near2, stirling);
}

// One packet of lgamma; `sine` gets |sin(pi x)| for lanes x < 0.5 (else 1).
inline Packet Lgamma(Packet x, const LgammaSeries& series, Packet* sine) {
  const Packet one = pset1<Packet>(1.0f);
  const Packet half = pset1<Packet>(0.5f);
  // Non-finite lanes get a harmless argument; they are fixed afterwards.
  const Packet finite = pselect(pcmp_lt(Eigen::internal::pabs(x), pset1<Packet>(3.0e38f)), x, one);
  const Packet reflect = pcmp_lt(finite, half);
  if (!Eigen::internal::predux_any(reflect)) {
    *sine = one;
    return FromHalf(finite, series);
  }
  const Packet lg = FromHalf(pselect(reflect, psub(one, finite), finite), series);
  // |sin(pi x)| = |sin(pi (x - round(x)))|: the difference is exact and at most
  // 1/2, so float's sin is accurate there and the poles give exact zeros.
  const Packet pi = pset1<Packet>(3.14159265358979f);
  *sine = Eigen::internal::pabs(Eigen::internal::psin(pmul(pi, psub(finite, Eigen::internal::pround(finite)))));
  const Packet reflected = psub(plog(pdiv(pi, *sine)), lg);
  return pselect(reflect, reflected, lg);
}

}  // namespace lgamma_packet

// One lane's result given the packet's: the lanes the packet formulas do not
// serve (see the mask in LgammaFloat) get their value here.
inline float FixLane(float v, float packet_result, float sine) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  const bool subnormal = (bits & 0x7f800000u) == 0 && (bits & 0x007fffffu) != 0;
  if (!(std::fabs(v) < 3.0e38f)) {
    // NaN stays NaN; lgamma overflows float beyond 3e38 (and is +inf at +-inf).
    return std::isnan(v) ? v : std::numeric_limits<float>::infinity();
  }
  if (v == 1.0f || v == 2.0f) return 0.0f;  // exactly, as the C library gives
  if (subnormal || v == 0.0f || (v < 0.5f && (sine == 0.0f || std::fabs(packet_result) < 1.0f))) {
    // TF's own function, in TF's float mode: poles, subnormals, and results
    // near a negative root, where the reflection cancels.
    return Eigen::numext::lgamma(v);
  }
  return packet_result;
}

inline void LgammaFloat(const float* in, float* out, int64_t n) {
  using namespace lgamma_packet;  // NOLINT
  static const LgammaSeries series;
  for (int64_t start = 0; start < n; start += kLanes) {
    // The ragged tail goes through the same packet code, padded with ones.
    alignas(64) float x[kLanes];
    alignas(64) float r[kLanes];
    alignas(64) float sine[kLanes];
    const int lanes = static_cast<int>(std::min<int64_t>(kLanes, n - start));
    for (int k = 0; k < kLanes; ++k) x[k] = k < lanes ? in[start + k] : 1.0f;
    using Eigen::internal::pcmp_eq;
    using Eigen::internal::por;
    Packet s;
    const Packet px = Eigen::internal::pload<Packet>(x);
    const Packet pr = Lgamma(px, series, &s);
    // Lanes the packet result does not serve: non-finite or beyond 3e38, zero
    // and subnormal, 1 and 2 (exact zeros), and
    // reflected lanes that hit a pole or land near a root.
    const Packet abs_x = Eigen::internal::pabs(px);
    const Packet needs_fix = por(
        por(Eigen::internal::pandnot(Eigen::internal::ptrue(px), pcmp_lt(abs_x, pset1<Packet>(3.0e38f))),
            por(pcmp_lt(abs_x, pset1<Packet>(std::numeric_limits<float>::min())),
                por(pcmp_eq(px, pset1<Packet>(1.0f)), pcmp_eq(px, pset1<Packet>(2.0f))))),
        pand(pcmp_lt(px, pset1<Packet>(0.5f)),
             por(pcmp_eq(s, pset1<Packet>(0.0f)),
                 pcmp_lt(Eigen::internal::pabs(pr), pset1<Packet>(1.0f)))));
    if (lanes == kLanes && !Eigen::internal::predux_any(needs_fix)) {
      Eigen::internal::pstoreu(out + start, pr);
      continue;
    }
    Eigen::internal::pstore(r, pr);
    Eigen::internal::pstore(sine, s);
    for (int k = 0; k < lanes; ++k) out[start + k] = FixLane(x[k], r[k], sine[k]);
  }
}

}  // namespace opbridge::math
