// StatelessParameterizedTruncatedNormal's sampler for one batch member, as
// TF's CPU functor runs it (stateless_parameterized_truncated_normal.cc has
// the op and says how the stream is shared): the member's parameters and
// sampler choice (PlanMember), and its draws (SampleMember) from a source of
// Philox blocks, so that the same loop serves the plain sequential kernel
// and the float path that starts members at known stream positions
// (truncated_normal_float.h).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <utility>

#include "philox.h"

namespace opbridge {
namespace random {
namespace truncated {

constexpr int kMaxIterations = 1000;  // TF's cap on rejections in a row

enum class Sampler {
  kNormal,       // normal draws kept when inside the bounds
  kUniform,      // a uniform proposal on the bounds (a narrow interval)
  kExponential,  // an exponential proposal beyond the lower bound
};

// One batch member's parameters, normalized as TF's functor does, in T's
// arithmetic (half rounds after every operation, as Eigen::half does).
template <typename T>
struct Member {
  Sampler sampler = Sampler::kNormal;
  T mean, stddev, norm_min, norm_max;
  T diff, plus_factor;  // the uniform proposal's
  T alpha;              // the exponential proposal's
};

template <typename T>
Status PlanMember(T mean, T stddev, T minval, T maxval, Member<T>* m) {
  using Eigen::numext::exp;
  using Eigen::numext::sqrt;
  const T kRandnBound = T(1.3);
  OPBRIDGE_REQUIRE(stddev > T(0) && minval < maxval &&
                       (Eigen::numext::isfinite(minval) || Eigen::numext::isfinite(maxval)),
                   "Invalid parameters");
  // Make a one-sided bound the lower one, or both bounds above the mean.
  if ((Eigen::numext::isinf(minval) && minval < T(0)) || maxval < mean) {
    std::swap(minval, maxval);
    stddev = -stddev;
  }
  m->mean = mean;
  m->stddev = stddev;
  const T norm_min = (minval - mean) / stddev;
  const T norm_max = (maxval - mean) / stddev;
  const T sqrt_factor = sqrt((norm_min * norm_min) + T(4));
  const T cutoff = T(2) * exp(T(0.5) + (norm_min * (norm_min - sqrt_factor)) / T(4)) / (norm_min + sqrt_factor);
  const T diff = norm_max - norm_min;
  m->norm_min = norm_min;
  m->norm_max = norm_max;
  m->diff = diff;
  m->plus_factor = (norm_min < T(0)) ? T(0) : T(norm_min * norm_min);
  m->alpha = (norm_min + sqrt((norm_min * norm_min) + T(4))) / T(2);
  if (((norm_min < -kRandnBound) && (norm_max >= T(0.))) || ((norm_max > kRandnBound) && (norm_min <= T(0.)))) {
    m->sampler = Sampler::kNormal;
  } else if (diff < cutoff) {
    m->sampler = Sampler::kUniform;
  } else {
    m->sampler = Sampler::kExponential;
  }
  return Status::Ok();
}

// The member's `samples` values, sample s at dst[s * step], drawn from
// `draw`: draw.Normal(v) and draw.Uniform(v) fill v[0, kGroup) from the next
// Philox block. A block is drawn whole; the values left in it when the
// member is complete are dropped (the next member starts on a new block).
template <typename T, typename Draw>
Status SampleMember(const Member<T>& m, Draw& draw, T* dst, int64_t step, int64_t samples) {
  using Eigen::numext::exp;
  using Eigen::numext::log;
  constexpr int kSize = Uniform<T>::kGroup;
  static_assert(Normal<T>::kGroup == kSize);
  T rand[kSize], u[kSize], z[kSize], g[kSize];
  const T mean = m.mean, stddev = m.stddev, norm_min = m.norm_min, norm_max = m.norm_max;
  int num_iterations = 0;
  int64_t sample = 0;
  auto put = [&](T v) { dst[sample++ * step] = v; };

  if (m.sampler == Sampler::kNormal) {
    while (sample < samples) {
      draw.Normal(rand);
      for (int i = 0; i < kSize; ++i) {
        if (rand[i] >= norm_min && rand[i] <= norm_max) {
          put(T(rand[i] * stddev) + mean);
          if (sample >= samples) break;
          num_iterations = 0;
        } else if (++num_iterations > kMaxIterations) {
          return Errorf("TruncatedNormal randn rejection sampler failed to accept a sample.");
        }
      }
    }
  } else if (m.sampler == Sampler::kUniform) {
    const T diff = m.diff, plus_factor = m.plus_factor;
    while (sample < samples) {
      draw.Uniform(rand);
      for (int i = 0; i < kSize; ++i) {
        z[i] = T(rand[i] * diff) + norm_min;
        g[i] = (plus_factor - T(z[i] * z[i])) / T(2.0);
      }
      draw.Uniform(u);
      for (int i = 0; i < kSize; ++i) {
        const bool accept = u[i] <= exp(g[i]);
        if (accept || num_iterations + 1 >= kMaxIterations) {
          if (!accept) return Errorf("TruncatedNormal uniform rejection sampler failed to  accept a sample.");
          put(T(z[i] * stddev) + mean);
          if (sample >= samples) break;
          num_iterations = 0;
        } else {
          ++num_iterations;
        }
      }
    }
  } else {
    const T alpha = m.alpha;
    while (sample < samples) {
      draw.Uniform(rand);
      for (int i = 0; i < kSize;) {
        const T zz = T(-log(rand[i]) / alpha) + norm_min;
        ++i;
        const T x = norm_min < alpha ? T(alpha - zz) : T(norm_min - alpha);
        const T gg = exp(T(T(-x) * x) / T(2.0));
        const T uu = rand[i];
        ++i;
        const bool accept = uu <= gg && zz < norm_max;
        if (accept || num_iterations + 1 >= kMaxIterations) {
          if (!accept) {
            return Errorf("TruncatedNormal exponential distribution rejection sampler failed to accept a sample.");
          }
          put(T(zz * stddev) + mean);
          if (sample >= samples) break;
          num_iterations = 0;
        } else {
          ++num_iterations;
        }
      }
    }
  }
  return Status::Ok();
}

// Blocks straight from a generator, one at a time.
template <typename T>
class PhiloxDraw {
 public:
  explicit PhiloxDraw(Philox* gen) : gen_(gen) {}
  void Normal(T* v) { random::Normal<T>()(*gen_, v); }
  void Uniform(T* v) { random::Uniform<T>()(*gen_, v); }

 private:
  Philox* gen_;
};

}  // namespace truncated
}  // namespace random
}  // namespace opbridge
