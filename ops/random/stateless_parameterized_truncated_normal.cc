// StatelessParameterizedTruncatedNormal
// (tf.random.stateless_parameterized_truncated_normal): normal(mean, stddev)
// samples restricted to [minval, maxval], bit for bit TF's CPU kernel. Per
// batch member one of three samplers, in the dtype's own arithmetic (half
// rounds after every operation, as Eigen::half does): normal draws kept when
// inside the bounds (when 1.3 standard deviations of one side fit), a uniform
// proposal on the bounds (a narrow interval), or an exponential proposal
// beyond the lower bound.
//
// Unlike the other samplers TF's functor does not skip per sample: each
// thread's shard starts 2000 * start / (values per block) blocks in and then
// consumes the stream sequentially, so TF's bits depend on how its thread
// pool splits the work. TF runs one shard (the stream from its start) when
// the work is small or it has one thread; that is what this kernel
// computes, on one thread.
#include <utility>

#include "sampling.h"

namespace opbridge {
namespace {

constexpr int kMaxIterations = 1000;  // TF's cap on rejections in a row

struct TruncatedNormalParams {
  DType dtype = DType::kFloat32;
  static void Declare(ParamBinder& b, TruncatedNormalParams& p) {
    b.Attr("dtype: {half, float, double}", &p.dtype);
  }
};

using random::Philox;

template <typename T>
Status Fill(const random::ParamBroadcast& bcast, const std::vector<const ConstTensor*>& params,
            const random::SampleLayout& layout, Philox gen, T* out) {
  using Eigen::numext::exp;
  using Eigen::numext::log;
  using Eigen::numext::sqrt;
  using UniformDist = random::Uniform<T>;
  using NormalDist = random::Normal<T>;
  constexpr int kSize = UniformDist::kGroup;
  static_assert(NormalDist::kGroup == kSize);
  const T kRandnBound = T(1.3);
  const int64_t n = layout.batches * layout.samples;
  T rand[kSize], u[kSize], z[kSize], g[kSize];

  for (int64_t output_idx = 0; output_idx < n;) {
    const int64_t batch = output_idx / layout.samples;
    T* const dst = out + batch;  // sample s of this batch member at s * batches
    const auto b = static_cast<size_t>(batch);
    T mean = random::Param<T>(*params[0], bcast.index[0][b]);
    T stddev = random::Param<T>(*params[1], bcast.index[1][b]);
    T minval = random::Param<T>(*params[2], bcast.index[2][b]);
    T maxval = random::Param<T>(*params[3], bcast.index[3][b]);
    OPBRIDGE_REQUIRE(stddev > T(0) && minval < maxval &&
                         (Eigen::numext::isfinite(minval) || Eigen::numext::isfinite(maxval)),
                     "Invalid parameters");
    int num_iterations = 0;
    // Make a one-sided bound the lower one, or both bounds above the mean.
    if ((Eigen::numext::isinf(minval) && minval < T(0)) || maxval < mean) {
      std::swap(minval, maxval);
      stddev = -stddev;
    }
    const T norm_min = (minval - mean) / stddev;
    const T norm_max = (maxval - mean) / stddev;
    const T sqrt_factor = sqrt((norm_min * norm_min) + T(4));
    const T cutoff = T(2) * exp(T(0.5) + (norm_min * (norm_min - sqrt_factor)) / T(4)) / (norm_min + sqrt_factor);
    const T diff = norm_max - norm_min;
    int64_t sample = output_idx % layout.samples;
    auto done = [&] { return sample >= layout.samples || output_idx >= n; };
    auto put = [&](T v) {
      dst[sample * layout.batches] = v;
      ++sample;
      ++output_idx;
    };

    if (((norm_min < -kRandnBound) && (norm_max >= T(0.))) || ((norm_max > kRandnBound) && (norm_min <= T(0.)))) {
      while (!done()) {
        NormalDist()(gen, rand);
        for (int i = 0; i < kSize; ++i) {
          if (rand[i] >= norm_min && rand[i] <= norm_max) {
            put(T(rand[i] * stddev) + mean);
            if (done()) break;
            num_iterations = 0;
          } else if (++num_iterations > kMaxIterations) {
            return Errorf("TruncatedNormal randn rejection sampler failed to accept a sample.");
          }
        }
      }
    } else if (diff < cutoff) {
      // A uniform proposal on [norm_min, norm_max].
      const T plus_factor = (norm_min < T(0)) ? T(0) : T(norm_min * norm_min);
      while (!done()) {
        UniformDist()(gen, rand);
        for (int i = 0; i < kSize; ++i) {
          z[i] = T(rand[i] * diff) + norm_min;
          g[i] = (plus_factor - T(z[i] * z[i])) / T(2.0);
        }
        UniformDist()(gen, u);
        for (int i = 0; i < kSize; ++i) {
          const bool accept = u[i] <= exp(g[i]);
          if (accept || num_iterations + 1 >= kMaxIterations) {
            if (!accept) return Errorf("TruncatedNormal uniform rejection sampler failed to  accept a sample.");
            put(T(z[i] * stddev) + mean);
            if (done()) break;
            num_iterations = 0;
          } else {
            ++num_iterations;
          }
        }
      }
    } else {
      // An exponential proposal offset by norm_min, kept below norm_max.
      const T alpha = (norm_min + sqrt((norm_min * norm_min) + T(4))) / T(2);
      while (!done()) {
        UniformDist()(gen, rand);
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
            if (done()) break;
            num_iterations = 0;
          } else {
            ++num_iterations;
          }
        }
      }
    }
  }
  return Status::Ok();
}

Status TruncatedNormalKernel(KernelContext& ctx, const TruncatedNormalParams& p) {
  const ConstTensor& shape_t = ctx.input(0);
  const ConstTensor& seed = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(seed));
  const std::vector<const ConstTensor*> params = {&ctx.input(2), &ctx.input(3), &ctx.input(4), &ctx.input(5)};
  random::ParamBroadcast bcast;
  OPBRIDGE_REQUIRE(bcast.Init({params[0]->shape(), params[1]->shape(), params[2]->shape(), params[3]->shape()}),
                   "means, stddevs, minvals, maxvals must have compatible batch dimensions: ",
                   params[0]->shape().ToString(), " vs. ", params[1]->shape().ToString(), " vs. ",
                   params[2]->shape().ToString(), " vs. ", params[3]->shape().ToString());
  OPBRIDGE_REQUIRE(shape_t.rank() == 1, "Input shape should be a vector, got shape: ", shape_t.shape().ToString());
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(shape_t, &shape));
  OPBRIDGE_REQUIRE(random::EndsWith(shape, bcast.batch_dims), "Shape passed in must end with broadcasted shape.");
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(seed, &key, counter));
  const random::SampleLayout layout = random::LayoutFor(shape, bcast.batch_dims);
  return math::DispatchElement<Eigen::half, float, double>(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return Fill<T>(bcast, params, layout, Philox::FromKeyCounter(key, counter), out.data<T>());
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessParameterizedTruncatedNormal")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Truncated normal samples with per-batch mean, stddev and bounds, from a seed "
                              "pair (tf.random.stateless_parameterized_truncated_normal).")
                         .Input("shape: S")
                         .Input("seed: Tseed")
                         .Input("means: dtype")
                         .Input("stddevs: dtype")
                         .Input("minvals: dtype")
                         .Input("maxvals: dtype")
                         .Output("output: dtype")
                         .Attr("S: {int32, int64}")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .Params<TruncatedNormalParams>()
                         .ShapeRule(random::ShapeFromInput0<TruncatedNormalParams>)
                         .Kernel(TruncatedNormalKernel));

}  // namespace
}  // namespace opbridge
