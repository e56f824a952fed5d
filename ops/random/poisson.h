// The Poisson sampler of StatelessRandomPoisson (seed pair) and
// RandomPoissonV2 (the node's seeded stream), bit for bit TF's CPU functor:
// in double whatever the rate type, Knuth's product of uniforms for lam < 10
// and Hormann's transformed rejection (PTRS) above, each sample from its own
// 256 Philox blocks after the op's generator.
#pragma once

#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>

#include "sampling.h"

namespace opbridge {
namespace random {
namespace poisson {

using Uniform = Reversed<double, random::Uniform>;

// The tries PTRS may take before we give up where TF would loop forever (a
// NaN rate, or a rate whose samples all exceed the output type): its
// acceptance rate is above 75% for every finite rate that fits.
constexpr int64_t kMaxTries = int64_t{1} << 22;

template <typename U>
double Highest() {
  if constexpr (std::is_same_v<U, Eigen::half>) {
    return 65504.0;
  } else {
    return static_cast<double>(std::numeric_limits<U>::max());
  }
}

// Per-rate constants, computed once per batch member as TF does.
struct Rate {
  double rate, exp_neg_rate, log_rate, b, a, inv_alpha;
  explicit Rate(double r) : rate(r) {
    exp_neg_rate = std::exp(-rate);
    log_rate = std::log(rate);
    b = 0.931 + 2.53 * std::sqrt(rate);
    a = -0.059 + 0.02483 * b;
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  }
};

inline bool Sample(const Rate& r, double highest, const Philox& base, int64_t w, double* out) {
  Philox gen = base;
  gen.Skip(256 * static_cast<uint64_t>(w));
  Uniform uniform(&gen);
  if (std::isnan(r.rate)) return false;  // TF's rejection loop never ends
  if (r.rate < 10) {
    double prod = 1, x = 0;
    while (true) {
      prod = prod * uniform();
      if (prod <= r.exp_neg_rate && x <= highest) {
        *out = x;
        return true;
      }
      x += 1;
    }
  }
  if (std::isinf(r.rate)) {  // +inf: TF's infinity of the output type (0 for integers)
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  for (int64_t tries = 0; tries < kMaxTries; ++tries) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double u_shifted = 0.5 - std::abs(u);
    const double k = std::floor((2 * r.a / u_shifted + r.b) * u + r.rate + 0.43);
    if (k > highest) continue;  // TF retries what would overflow the output
    if (u_shifted >= 0.07 && v <= 0.9277 - 3.6224 / (r.b - 2)) {
      *out = k;
      return true;
    }
    if (k < 0 || (u_shifted < 0.013 && v > u_shifted)) continue;
    const double s = std::log(v * r.inv_alpha / (r.a / (u_shifted * u_shifted) + r.b));
    int sign;
    const double t = -r.rate + k * r.log_rate - ::lgamma_r(k + 1, &sign);  // lgamma without its global sign
    if (s <= t) {
      *out = k;
      return true;
    }
  }
  return false;
}

// Fills `out` (samples of the rates in `lam`, as `layout` places them) from
// `base`; output dtype `dtype`.
inline Status PoissonFill(KernelContext& ctx, const ConstTensor& lam, const Philox& base, const SampleLayout& layout,
                          DType dtype, Tensor& out) {
  return math::DispatchElement<Eigen::half, float, double, int32_t, int64_t>(lam.dtype(), [&](auto rtag) {
    using R = typename decltype(rtag)::type;
    return math::DispatchElement<Eigen::half, float, double, int32_t, int64_t>(dtype, [&](auto utag) {
      using U = typename decltype(utag)::type;
      U* dst = out.data<U>();
      std::atomic<bool> stuck{false};
      ctx.ParallelFor(out.num_elements(), 300, [&](int64_t begin, int64_t end) {
        // A rate's constants (exp, log, sqrt) once per run of its samples, not per sample.
        int64_t rate_index = begin / layout.samples;
        Rate rate(static_cast<double>(Param<R>(lam, rate_index)));
        for (int64_t w = begin; w < end; ++w) {
          // One stuck sample already fails the op: the others would each spend
          // kMaxTries too (4M samples of a rate of 1e30: hours).
          if (stuck.load(std::memory_order_relaxed)) return;
          if (w / layout.samples != rate_index) {
            rate_index = w / layout.samples;
            rate = Rate(static_cast<double>(Param<R>(lam, rate_index)));
          }
          double k;
          if (!Sample(rate, Highest<U>(), base, w, &k)) {
            stuck.store(true, std::memory_order_relaxed);
            k = std::nan("");
          }
          dst[layout.Position(w)] = std::is_integral_v<U> && std::isinf(k) ? U(0) : FromDouble<U>(k);
        }
      });
      OPBRIDGE_REQUIRE(!stuck.load(), "lam gives no sample within ", kMaxTries,
                       " tries that fits the output dtype (TF would loop forever)");
      return Status::Ok();
    });
  });
}

}  // namespace poisson
}  // namespace random
}  // namespace opbridge
