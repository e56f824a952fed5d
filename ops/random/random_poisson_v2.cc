// RandomPoissonV2 (tf.random.poisson with a seed): Poisson(rate) samples from
// the node's seeded stream (stateful.h). Output shape is `shape` followed by
// rate's; sample s of rate r sits at s * num_rates + r. TF's CPU kernel bit
// for bit: the sampler StatelessRandomPoisson shares (poisson.h), each sample
// from its own 256 Philox blocks, 256 blocks per output reserved per run.
#include "poisson.h"
#include "samples_per_param.h"
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

Status PoissonKernel(KernelContext& ctx, const PoissonParams& p) {
  const ConstTensor& rate = ctx.input(1);
  Tensor out;
  random::SampleLayout layout;
  OPBRIDGE_RETURN_IF_ERROR(random::SamplesPerParamOutput(ctx, &out, &layout));
  const int64_t n = out.num_elements();
  if (n == 0) return Status::Ok();
  const random::Philox base = p.generator.ReserveOutputs(n);
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
                         .ShapeRule(random::SamplesPerParamShape)
                         .Kernel(PoissonKernel));

}  // namespace
}  // namespace opbridge
