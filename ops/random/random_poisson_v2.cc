// RandomPoissonV2 (tf.random.poisson with a seed): Poisson(rate) samples from
// the node's seeded stream (stateful.h). Output shape is `shape` followed by
// rate's; sample s of rate r sits at s * num_rates + r. TF's CPU kernel bit
// for bit: the sampler StatelessRandomPoisson shares (poisson.h), each sample
// from its own 256 Philox blocks, 256 blocks per output reserved per run.
#include "poisson.h"
#include "stateful.h"

namespace opbridge {
namespace {

struct PoissonParams : random::SeedAttrs {
  DType dtype = DType::kInt64;
  static void Declare(ParamBinder& b, PoissonParams& p) {
    p.DeclareSeeds(b);
    b.Attr("dtype: {half, float, double, int32, int64} = DT_INT64", &p.dtype);
  }
};

// shape ++ rate's shape: known when `shape` is a constant and rate's dims are.
Status PoissonShape(ShapeContext& ctx, const PoissonParams&) {
  const Shape& s = ctx.input(0);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() == 1, "shape must be a vector of {int32,int64}, got shape ",
                   s.ToString());
  const Shape& rate = ctx.input(1);
  const ConstTensor* value = ctx.input_value(0);
  bool known = value != nullptr && rate.rank_known();
  for (int i = 0; known && i < rate.rank(); ++i) known = rate.dim(i) >= 0;
  if (!known) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(*value, &out));
  std::vector<int64_t> dims = out.dims();
  dims.insert(dims.end(), rate.dims().begin(), rate.dims().end());
  ctx.set_output(0, Shape(std::move(dims)));
  return Status::Ok();
}

Status PoissonKernel(KernelContext& ctx, const PoissonParams& p) {
  const ConstTensor& rate = ctx.input(1);
  Shape samples;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &samples));
  std::vector<int64_t> dims = samples.dims();
  dims.insert(dims.end(), rate.shape().dims().begin(), rate.shape().dims().end());
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, Shape(std::move(dims)), &out));
  const int64_t n = out.num_elements();
  if (n == 0) return Status::Ok();
  const random::Philox base = p.generator.ReserveOutputs(n);
  random::SampleLayout layout;
  layout.batches = rate.num_elements();
  layout.samples = n / layout.batches;
  return random::poisson::PoissonFill(ctx, rate, base, layout, p.dtype, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("RandomPoissonV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Poisson(rate) samples from the node's seeded stream, shape ++ rate's shape.")
                         .Input("shape: S")
                         .Input("rate: R")
                         .Output("output: dtype")
                         .Params<PoissonParams>()
                         .Attr("S: {int32, int64}")
                         .Attr("R: {half, float, double, int32, int64} = DT_DOUBLE")
                         .ShapeRule(PoissonShape)
                         .Kernel(PoissonKernel));

}  // namespace
}  // namespace opbridge
