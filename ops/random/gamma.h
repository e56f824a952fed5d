// The gamma sampler of StatelessRandomGammaV2 (seed pair) and
// StatelessRandomGammaV3 (key, counter, alg), bit for bit TF's CPU functor:
// alpha == 1 is an exponential from one uniform double; otherwise Marsaglia
// and Tsang's transformed rejection from normal and uniform doubles (alpha < 1
// boosted by one and scaled by u^(1/alpha)). Every sample starts 256 Philox
// blocks after the previous one, so threads split the work freely.
#pragma once

#include <cmath>

#include "sampling.h"

namespace opbridge {
namespace random {

struct GammaParams {
  DType dtype = DType::kFloat32;
  static void Declare(ParamBinder& b, GammaParams& p) { b.Attr("dtype: {half, float, double}", &p.dtype); }
};

// One gamma(alpha) sample from the stream of work item w.
inline double GammaSample(double alpha, const Philox& base, int64_t w) {
  Philox gen = base;
  gen.Skip(256 * static_cast<uint64_t>(w));
  if (alpha == 1.0) {
    double u[2];
    random::Uniform<double>()(gen, u);
    return -std::log1p(-u[1]);  // the block's last value, as TF reads it
  }
  const bool below_one = alpha < 1.0;
  const double d = alpha + (below_one ? 2.0 / 3 : -1.0 / 3);
  const double c = 1.0 / 3 / std::sqrt(d);
  // Normals and uniforms come from the same stream, each kind a block at a
  // time, read last-first (TF's RandomSampleBuffer).
  Reversed<double, Normal> normal(&gen);
  Reversed<double, Uniform> uniform(&gen);
  while (true) {
    const double x = normal();
    double v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    const double u = uniform();
    if ((u < 1 - 0.0331 * (x * x) * (x * x)) || (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v)))) {
      double res = d * v;
      if (below_one) res *= std::pow(uniform(), 1 / alpha);
      return res;
    }
  }
}

// Fills `out` (shape `shape`) from the alphas of input `alpha_index`; TF's
// checks (the shape ends with alpha's, alpha is not empty) come first.
inline Status GammaFill(KernelContext& ctx, const GammaParams& p, int alpha_index, const Shape& shape,
                        const Philox* base, Tensor& out) {
  const ConstTensor& alpha = ctx.input(alpha_index);
  OPBRIDGE_REQUIRE(EndsWith(shape, alpha.shape().dims()), "Shape passed in must end with broadcasted shape.");
  const int64_t num_alphas = alpha.num_elements();
  OPBRIDGE_REQUIRE(num_alphas > 0, "Input alpha should have non-zero element count, got: ", num_alphas);
  const int64_t n = out.num_elements();
  SampleLayout layout;
  layout.batches = num_alphas;
  layout.samples = n / num_alphas;
  return math::DispatchElement<Eigen::half, float, double>(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = out.data<T>();
    ctx.ParallelFor(n, 300, [&](int64_t begin, int64_t end) {
      for (int64_t w = begin; w < end; ++w) {
        const auto a = static_cast<double>(Param<T>(alpha, w / layout.samples));
        dst[layout.Position(w)] = FromDouble<T>(GammaSample(a, *base, w));
      }
    });
    return Status::Ok();
  });
}

}  // namespace random
}  // namespace opbridge
