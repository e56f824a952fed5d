// float64 Igamma and Igammac in AVX2 lanes that are refilled: each of the 4
// lanes takes the next element as soon as its own series or continued
// fraction has converged (igamma.cc and igammac.cc choose it at run time; the
// baseline build evaluates Eigen's scalar functions).
//
// igamma_lanes_avx2.h runs a group of lanes until its slowest element is done.
// In float64 that lost to the scalar loops (Igammac f64 0.84 -> 0.93 of TF's
// time): the loops' trip counts differ a lot between neighbours and a
// 4-double division has only twice the scalar one's throughput. Here the
// elements of a chunk are first sorted by method (after their main term,
// computed in lanes with the C library per lane), then each method's loop
// runs over its list with refills. Every lane does Eigen's operations in
// Eigen's order for its own element (multiply and add separate), and counts
// its own iterations against Eigen's limit (2000), so every element gets TF's
// bits. A refill stores the lanes' state, rewrites the finished lanes and
// loads it back: a few dozen cycles, once per element.
#pragma once

#if defined(__x86_64__)

#include <unsupported/Eigen/SpecialFunctions>
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "igamma_lanes_avx2.h"
#include "lanes_avx2.h"

namespace opbridge::math::igamma_refill_avx2 {

using L = Avx2Double;
using V = L::V;
constexpr int kLanes = L::kLanes;
constexpr int kMaxIterations = 2000;  // Eigen's igamma_num_iterations<double, VALUE>
constexpr int64_t kChunk = 512;

// The elements one method still has to run: their a, x, main term and output.
struct Work {
  double a[kChunk], x[kChunk], ax[kChunk];
  int64_t out[kChunk];
  int64_t size = 0;
  void Add(double av, double xv, double axv, int64_t where) {
    a[size] = av;
    x[size] = xv;
    ax[size] = axv;
    out[size++] = where;
  }
};

// The power series for P(a, x) over `work`: out = P (or 1 - P for Igammac).
template <bool kUpper>
__attribute__((target("avx2"))) inline void Series(const Work& work, double* out) {
  alignas(32) double x[kLanes], r[kLanes], c[kLanes], ans[kLanes], axa[kLanes], steps[kLanes];
  int64_t where[kLanes];
  int64_t next = 0;
  int active = 0;
  // Lane l takes the next element (a lane with none left goes idle).
  const auto fill = [&](int l) {
    if (next == work.size) {
      active &= ~(1 << l);
      return;
    }
    x[l] = work.x[next];
    r[l] = work.a[next];
    c[l] = 1.0;
    ans[l] = 1.0;
    axa[l] = work.ax[next] / work.a[next];
    steps[l] = 0.0;
    where[l] = work.out[next++];
    active |= 1 << l;
  };
  for (int l = 0; l < kLanes; ++l) {
    x[l] = r[l] = c[l] = ans[l] = axa[l] = steps[l] = 1.0;  // idle lanes compute harmless values
    fill(l);
  }
  const V one = L::Set(1.0), machep = L::Set(Eigen::internal::cephes_helper<double>::machep());
  const V limit = L::Set(kMaxIterations);
  V vx = L::Load(x), vr = L::Load(r), vc = L::Load(c), vans = L::Load(ans), vaxa = L::Load(axa);
  V vsteps = L::Load(steps);
  while (active != 0) {
    vr = L::Add(vr, one);
    vc = L::Mul(vc, L::Div(vx, vr));
    vans = L::Add(vans, vc);
    vsteps = L::Add(vsteps, one);
    const int done = L::Mask(L::Or(L::Le(vc, L::Mul(machep, vans)), L::Ge(vsteps, limit))) & active;
    if (done == 0) continue;
    L::Store(x, vx);
    L::Store(r, vr);
    L::Store(c, vc);
    L::Store(ans, vans);
    L::Store(axa, vaxa);
    L::Store(steps, vsteps);
    for (int l = 0; l < kLanes; ++l) {
      if (!(done & (1 << l))) continue;
      const double p = ans[l] * axa[l];
      out[where[l]] = kUpper ? 1.0 - p : p;
      fill(l);
    }
    vx = L::Load(x), vr = L::Load(r), vc = L::Load(c), vans = L::Load(ans), vaxa = L::Load(axa);
    vsteps = L::Load(steps);
  }
}

// The continued fraction for Q(a, x) over `work`: out = Q (or 1 - Q for Igamma).
template <bool kUpper>
__attribute__((target("avx2"))) inline void ContinuedFraction(const Work& work, double* out) {
  alignas(32) double y[kLanes], z[kLanes], c[kLanes], pkm2[kLanes], pkm1[kLanes], qkm2[kLanes], qkm1[kLanes],
      ans[kLanes], ax[kLanes], steps[kLanes];
  int64_t where[kLanes];
  int64_t next = 0;
  int active = 0;
  const auto fill = [&](int l) {
    if (next == work.size) {
      active &= ~(1 << l);
      return;
    }
    const double xl = work.x[next];
    y[l] = 1.0 - work.a[next];
    z[l] = xl + y[l] + 1.0;
    c[l] = 0.0;
    pkm2[l] = 1.0;
    qkm2[l] = xl;
    pkm1[l] = xl + 1.0;
    qkm1[l] = z[l] * xl;
    ans[l] = pkm1[l] / qkm1[l];
    ax[l] = work.ax[next];
    steps[l] = 0.0;
    where[l] = work.out[next++];
    active |= 1 << l;
  };
  for (int l = 0; l < kLanes; ++l) {
    y[l] = z[l] = c[l] = pkm2[l] = pkm1[l] = qkm2[l] = qkm1[l] = ans[l] = ax[l] = steps[l] = 1.0;
    fill(l);
  }
  const V one = L::Set(1.0), limit = L::Set(kMaxIterations);
  igamma_lanes_avx2::Fraction<L> f;
  const auto load = [&]() __attribute__((target("avx2"), always_inline)) {
    f.y = L::Load(y), f.z = L::Load(z), f.c = L::Load(c), f.pkm2 = L::Load(pkm2), f.pkm1 = L::Load(pkm1);
    f.qkm2 = L::Load(qkm2), f.qkm1 = L::Load(qkm1), f.ans = L::Load(ans);
  };
  load();
  V vax = L::Load(ax), vsteps = L::Load(steps);
  while (active != 0) {
    // Every lane steps (idle ones on stale values, never read).
    const V converged = igamma_lanes_avx2::FractionStep<L>(f, L::All());
    vsteps = L::Add(vsteps, one);
    const int done = L::Mask(L::Or(converged, L::Ge(vsteps, limit))) & active;
    if (done == 0) continue;
    L::Store(y, f.y);
    L::Store(z, f.z);
    L::Store(c, f.c);
    L::Store(pkm2, f.pkm2);
    L::Store(pkm1, f.pkm1);
    L::Store(qkm2, f.qkm2);
    L::Store(qkm1, f.qkm1);
    L::Store(ans, f.ans);
    L::Store(ax, vax);
    L::Store(steps, vsteps);
    for (int l = 0; l < kLanes; ++l) {
      if (!(done & (1 << l))) continue;
      const double q = ans[l] * ax[l];
      out[where[l]] = kUpper ? q : 1.0 - q;
      fill(l);
    }
    load();
    vax = L::Load(ax), vsteps = L::Load(steps);
  }
}

// out[j] = P or Q(a[j * step_a], x[j * step_x]) for j < n, steps 0 or 1.
template <bool kUpper>
__attribute__((target("avx2"))) inline void Run(const double* a, int64_t step_a, const double* x, int64_t step_x,
                                                double* out, int64_t n) {
  Work series, fraction;
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t end = std::min(n, begin + kChunk);
    series.size = fraction.size = 0;
    // Main terms in lanes; each element then to its method's list, or done.
    for (int64_t j = begin; j < end; j += kLanes) {
      alignas(32) double as[kLanes], xs[kLanes], axs[kLanes];
      const int lanes = static_cast<int>(std::min<int64_t>(kLanes, end - j));
      for (int l = 0; l < kLanes; ++l) {
        as[l] = l < lanes ? a[(j + l) * step_a] : 1.0;
        xs[l] = l < lanes ? x[(j + l) * step_x] : 1.0;
      }
      const V va = L::Load(as), vx = L::Load(xs);
      const V inf = L::Set(std::numeric_limits<double>::infinity()), zero = L::Zero();
      const V ordinary =
          L::And(L::And(L::Gt(va, zero), L::Lt(va, inf)), L::And(L::Gt(vx, zero), L::Lt(vx, inf)));
      L::Store(axs, igamma_lanes_avx2::MainTerm<L>(va, vx, ordinary));
      const int usual = L::Mask(ordinary);
      for (int l = 0; l < lanes; ++l) {
        const double al = as[l], xl = xs[l];
        if (!(usual & (1 << l))) {
          out[j + l] = kUpper ? Eigen::numext::igammac(al, xl) : Eigen::numext::igamma(al, xl);
          continue;
        }
        // Eigen's choice: Igamma's fraction where x > 1 and x > a, Igammac's
        // series where x < 1 or x < a. A zero main term ends either at 0.
        const bool use_series = kUpper ? (xl < 1.0 || xl < al) : !(xl > 1.0 && xl > al);
        if (axs[l] == 0.0) {
          out[j + l] = use_series == kUpper ? 1.0 : 0.0;
        } else if (use_series) {
          series.Add(al, xl, axs[l], j + l);
        } else {
          fraction.Add(al, xl, axs[l], j + l);
        }
      }
    }
    Series<kUpper>(series, out);
    ContinuedFraction<kUpper>(fraction, out);
  }
}

// The kernels' lanes for either type: float32 in groups of 8
// (igamma_lanes_avx2.h), float64 refilled (above).
template <bool kUpper, typename T>
__attribute__((target("avx2"))) inline void RunEitherType(const T* a, int64_t step_a, const T* x, int64_t step_x,
                                                          T* out, int64_t n) {
  if constexpr (std::is_same_v<T, float>) {
    igamma_lanes_avx2::Run<kUpper>(a, step_a, x, step_x, out, n);
  } else {
    Run<kUpper>(a, step_a, x, step_x, out, n);
  }
}

}  // namespace opbridge::math::igamma_refill_avx2

#endif  // __x86_64__
