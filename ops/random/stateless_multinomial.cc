// StatelessMultinomial: num_samples class indices per row of logits, drawn
// from softmax(logits) with a seed pair (tf.random.stateless_categorical;
// keras-hub's sampling step leaves it).
//
// As TF's CPU kernel: per row, the unnormalized CDF of exp(logit - max) in
// double over the finite logits only (a NaN or infinite logit adds nothing,
// the max is over finite logits), then for each sample a uniform double (two
// 32-bit words, TF's SimplePhilox::RandDouble) times the total, located with
// upper_bound. All rows draw from one stream in row order: that is TF's
// output whenever it runs the op as one shard (batch 1, or
// batch * 50 * (num_samples * log2(classes) + classes) < 210000 cycles).
// Above that TF splits the rows over its thread pool and restarts the stream
// per shard at row * (num_samples + 3) / 4 blocks, so TF's own result depends
// on its pool size; opbridge keeps the one-shard result for every input.
// TF's exp is Eigen's vectorized one, ours std::exp: they may differ in the
// last bit, which moves a sample only when it falls exactly on a CDF edge.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "stateless_random.h"

namespace opbridge {
namespace {

struct MultinomialParams {
  DType dtype = DType::kFloat32;
  DType output_dtype = DType::kInt64;
  static void Declare(ParamBinder& b, MultinomialParams& p) {
    b.Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64}",
           &p.dtype);
    b.Attr("output_dtype: {int32, int64} = DT_INT64", &p.output_dtype);
  }
};

Status MultinomialShape(ShapeContext& ctx, const MultinomialParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  const ConstTensor* num_samples = ctx.input_value(1);
  const int64_t batch = ctx.input(0).rank_known() ? ctx.input(0).dim(0) : kUnknownDim;
  if (num_samples != nullptr && batch >= 0) {
    const int32_t n = num_samples->data<int32_t>()[0];
    OPBRIDGE_REQUIRE(n >= 0, "num_samples should be non-negative, got ", n);
    ctx.set_output(0, Shape({batch, n}));
    return Status::Ok();
  }
  ctx.set_output(0, Shape({batch, kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename T, typename Out>
void Sample(const T* logits, int64_t batch, int64_t classes, int64_t samples, random::Philox gen, Out* out) {
  random::SingleSample words(&gen);
  std::vector<double> cdf(static_cast<size_t>(classes));
  for (int64_t b = 0; b < batch; ++b) {
    const T* row = logits + b * classes;
    T max = std::numeric_limits<T>::lowest();
    for (int64_t j = 0; j < classes; ++j) {
      if (Eigen::numext::isfinite(row[j])) max = std::max(max, row[j]);
    }
    const auto max_logit = static_cast<double>(max);
    double total = 0;
    for (int64_t j = 0; j < classes; ++j) {
      if (Eigen::numext::isfinite(row[j])) total += std::exp(static_cast<double>(row[j]) - max_logit);
      cdf[static_cast<size_t>(j)] = total;
    }
    for (int64_t s = 0; s < samples; ++s) {
      const uint32_t x0 = words(), x1 = words();
      const double to_find = random::Uint64ToDouble(x0, x1) * total;
      out[b * samples + s] = static_cast<Out>(std::upper_bound(cdf.begin(), cdf.end(), to_find) - cdf.begin());
    }
  }
}

Status MultinomialKernel(KernelContext& ctx, const MultinomialParams& p) {
  // TF's op admits integer logits, but its CPU kernels are floating-point
  // only: refused before anything else, empty outputs included, as TF does.
  OPBRIDGE_REQUIRE(p.dtype == DType::kFloat16 || p.dtype == DType::kBFloat16 || p.dtype == DType::kFloat32 ||
                       p.dtype == DType::kFloat64,
                   "TF has no CPU kernel for T=", DTypeName(p.dtype), " (only half, bfloat16, float, double)");
  const ConstTensor& logits = ctx.input(0);
  const ConstTensor& num_samples_t = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(2)));
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(2), &key, counter));
  OPBRIDGE_REQUIRE(logits.rank() == 2, "logits should be a matrix, got shape ", logits.shape().ToString());
  OPBRIDGE_REQUIRE(num_samples_t.rank() == 0, "num_samples should be a scalar, got shape ",
                   num_samples_t.shape().ToString());
  const int32_t samples = num_samples_t.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(samples >= 0, "num_samples should be non-negative, got ", samples);
  const int64_t batch = logits.dim(0), classes = logits.dim(1);
  OPBRIDGE_REQUIRE(batch <= INT32_MAX, "batch_size cannot exceed max int");
  OPBRIDGE_REQUIRE(classes <= INT32_MAX, "num_classes cannot exceed max int");
  OPBRIDGE_REQUIRE(classes > 0, "num_classes should be positive, got ", classes);
  const Shape shape({batch, int64_t{samples}});
  if (!ctx.output(0).shape().rank_known()) {
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, shape));
  }
  const Tensor& out = ctx.output(0);
  OPBRIDGE_REQUIRE(out.shape().dims() == shape.dims(), "output has shape ", out.shape().ToString(), ", expected ",
                   shape.ToString());
  if (out.num_elements() == 0) return Status::Ok();
  const random::Philox gen = random::Philox::FromKeyCounter(key, counter);
  const auto by_type = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (p.output_dtype == DType::kInt32) {
      Sample(logits.data<T>(), batch, classes, samples, gen, out.data<int32_t>());
    } else {
      Sample(logits.data<T>(), batch, classes, samples, gen, out.data<int64_t>());
    }
    return Status::Ok();
  };
  return math::DispatchFloating(p.dtype, by_type);
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessMultinomial")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Class indices drawn from softmax(logits) per row, with a seed pair "
                              "(tf.random.stateless_categorical).")
                         .Input("logits: T")
                         .Input("num_samples: int32")
                         .Input("seed: Tseed")
                         .Output("output: output_dtype")
                         .Params<MultinomialParams>()
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(MultinomialShape)
                         .Kernel(MultinomialKernel));

}  // namespace
}  // namespace opbridge
