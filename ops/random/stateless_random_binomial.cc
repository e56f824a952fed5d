// StatelessRandomBinomial (tf.random.stateless_binomial): binomial counts
// from a seed pair, bit for bit TF's CPU kernel. Each output element (work
// item w, see sampling.h) reads its own stretch of the Philox stream, so any
// split over threads gives the same bits: 42 blocks per item for inversion
// (count * p < 10: geometric waiting times summed until they pass the count)
// and 256 for Hormann's BTRS transformed rejection (count * p >= 10), p being
// min(prob, 1 - prob) and the result mirrored when prob > 0.5.
#include <atomic>
#include <cmath>

#include "sampling.h"

namespace opbridge {
namespace {

struct BinomialParams {
  DType dtype = DType::kInt64;
  static void Declare(ParamBinder& b, BinomialParams& p) {
    b.Attr("dtype: {half, float, double, int32, int64} = DT_INT64", &p.dtype);
  }
};

using random::Philox;
using Uniform = random::Reversed<double, random::Uniform>;

// Inversion: the number of geometric(prob) waiting times that fit in count.
// A NaN count never ends TF's loop (it hangs); here it gives NaN.
double Inversion(double count, double prob, Philox* gen) {
  if (std::isnan(count)) return std::nan("");
  Uniform uniform(gen);
  double geom_sum = 0;
  int64_t num_geom = 0;
  while (true) {
    const double u = uniform();
    geom_sum += std::ceil(std::log(u) / std::log1p(-prob));
    if (geom_sum > count) break;
    ++num_geom;
  }
  return static_cast<double>(num_geom);
}

// The tail of Stirling's series for log(k!), tabulated for k < 10 as TF has it.
double StirlingTail(double k) {
  static constexpr double kTail[] = {0.0810614667953272,  0.0413406959554092,  0.0276779256849983,
                                     0.02079067210376509, 0.0166446911898211,  0.0138761288230707,
                                     0.0118967099458917,  0.0104112652619720,  0.00925546218271273,
                                     0.00833056343336287};
  if (k <= 9 && k >= 0) return kTail[static_cast<int>(k)];
  const double kp1sq = (k + 1) * (k + 1);
  return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

// Hormann's BTRS with TF's constants and its variant of the acceptance test.
// Returns false if no value came within `limit` tries (TF would keep going).
bool Btrs(double count, double prob, Philox* gen, int64_t limit, double* out) {
  const double stddev = std::sqrt(count * prob * (1 - prob));
  const double b = 1.15 + 2.53 * stddev;
  const double a = -0.0873 + 0.0248 * b + 0.01 * prob;
  const double c = count * prob + 0.5;
  const double v_r = 0.92 - 4.2 / b;
  const double r = prob / (1 - prob);
  const double alpha = (2.83 + 5.1 / b) * stddev;
  const double m = std::floor((count + 1) * prob);
  Uniform uniform(gen);
  for (int64_t tries = 0; tries < limit; ++tries) {
    double u = uniform();
    double v = uniform();
    u = u - 0.5;
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2 * a / us + b) * u + c);
    if (us >= 0.07 && v <= v_r) {
      *out = k;
      return true;
    }
    if (k < 0 || k > count) continue;
    v = std::log(v * alpha / (a / (us * us) + b));
    const double upperbound =
        ((m + 0.5) * std::log((m + 1) / (r * (count - m + 1))) +
         (count + 1) * std::log((count - m + 1) / (count - k + 1)) +
         (k + 0.5) * std::log(r * (count - k + 1) / (k + 1)) + StirlingTail(m) + StirlingTail(count - m) -
         StirlingTail(k) - StirlingTail(count - k));
    if (v <= upperbound) {
      *out = k;
      return true;
    }
  }
  return false;
}

// Far more tries than any finite parameters need (the acceptance rate is
// above 24%): the bound only stops the loops TF would never leave.
constexpr int64_t kMaxTries = int64_t{1} << 22;

// One sample of work item w. The tests on count and prob are made in T, as
// TF's (count * prob in half rounds to half).
template <typename T>
bool Sample(T count, T prob, const Philox& base, int64_t w, double* out) {
  const auto dcount = static_cast<double>(count);
  if (dcount <= 0.0 || prob <= T(0.0)) {
    *out = 0.0;
    return true;
  }
  if (prob >= T(1.0)) {
    *out = dcount;
    return true;
  }
  if (!(prob <= T(0.5)) && !(prob > T(0.5))) {  // NaN
    *out = std::nan("");
    return true;
  }
  const bool mirrored = prob > T(0.5);
  const T p = mirrored ? T(T(1) - prob) : prob;
  const auto dp = static_cast<double>(p);
  Philox gen = base;
  double k;
  if (T(count * p) >= T(10)) {
    gen.Skip(256 * static_cast<uint64_t>(w));
    if (!Btrs(dcount, dp, &gen, kMaxTries, &k)) return false;
  } else {
    gen.Skip(42 * static_cast<uint64_t>(w));
    k = Inversion(dcount, dp, &gen);
  }
  *out = mirrored ? dcount - k : k;
  return true;
}

Status BinomialKernel(KernelContext& ctx, const BinomialParams& p) {
  const ConstTensor& shape_t = ctx.input(0);
  const ConstTensor& seed = ctx.input(1);
  const ConstTensor& counts = ctx.input(2);
  const ConstTensor& probs = ctx.input(3);
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(seed));
  random::ParamBroadcast bcast;
  OPBRIDGE_REQUIRE(bcast.Init({counts.shape(), probs.shape()}),
                   "counts and probs must have compatible batch dimensions: ", counts.shape().ToString(), " vs. ",
                   probs.shape().ToString());
  OPBRIDGE_REQUIRE(shape_t.rank() == 1, "Input shape should be a vector, got shape: ", shape_t.shape().ToString());
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(shape_t, &shape));
  OPBRIDGE_REQUIRE(random::EndsWith(shape, bcast.batch_dims), "Shape passed in must end with broadcasted shape.");
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  const int64_t n = out.num_elements();
  if (n == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(seed, &key, counter));
  const Philox base = Philox::FromKeyCounter(key, counter);
  const random::SampleLayout layout = random::LayoutFor(shape, bcast.batch_dims);
  return math::DispatchElement<Eigen::half, float, double>(counts.dtype(), [&](auto ttag) {
    using T = typename decltype(ttag)::type;
    return math::DispatchElement<Eigen::half, float, double, int32_t, int64_t>(p.dtype, [&](auto utag) {
      using U = typename decltype(utag)::type;
      U* dst = out.data<U>();
      std::atomic<bool> stuck{false};
      ctx.ParallelFor(n, 400, [&](int64_t begin, int64_t end) {
        for (int64_t w = begin; w < end; ++w) {
          // One stuck sample fails the op: the others need not each spend kMaxTries.
          if (stuck.load(std::memory_order_relaxed)) return;
          const auto b = static_cast<size_t>(w / layout.samples);
          const T count = random::Param<T>(counts, bcast.index[0][b]);
          const T prob = random::Param<T>(probs, bcast.index[1][b]);
          double k;
          if (!Sample(count, prob, base, w, &k)) {
            stuck.store(true, std::memory_order_relaxed);
            k = std::nan("");
          }
          dst[layout.Position(w)] = random::FromDouble<U>(k);
        }
      });
      OPBRIDGE_REQUIRE(!stuck.load(), "counts and probs give no sample within ", kMaxTries,
                       " tries (TF would loop forever)");
      return Status::Ok();
    });
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomBinomial")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Binomial samples from counts and probs, from a seed pair "
                              "(tf.random.stateless_binomial).")
                         .Input("shape: S")
                         .Input("seed: Tseed")
                         .Input("counts: T")
                         .Input("probs: T")
                         .Output("output: dtype")
                         .Attr("S: {int32, int64}")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .Attr("T: {half, float, double, int32, int64} = DT_DOUBLE")
                         .Params<BinomialParams>()
                         .ShapeRule(random::ShapeFromInput0<BinomialParams>)
                         .Kernel(BinomialKernel));

}  // namespace
}  // namespace opbridge
