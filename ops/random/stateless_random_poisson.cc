// StatelessRandomPoisson (tf.random.stateless_poisson): Poisson(lam) samples
// from a seed pair, bit for bit TF's CPU kernel: in double whatever the rate
// type, Knuth's product of uniforms for lam < 10 and Hormann's transformed
// rejection (PTRS) above, each sample from its own 256 Philox blocks.
#include "poisson.h"

namespace opbridge {
namespace {

struct PoissonParams {
  DType dtype = DType::kInt64;
  static void Declare(ParamBinder& b, PoissonParams& p) {
    b.Attr("dtype: {half, float, double, int32, int64}", &p.dtype);
  }
};

using random::Philox;

Status PoissonKernel(KernelContext& ctx, const PoissonParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(1)));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(1), &key, counter));
  const Philox base = Philox::FromKeyCounter(key, counter);
  const ConstTensor& lam = ctx.input(2);
  OPBRIDGE_REQUIRE(random::EndsWith(shape, lam.shape().dims()), "Shape passed in must end with broadcasted shape.");
  random::SampleLayout layout;
  layout.batches = lam.num_elements();  // > 0: the output is not empty and ends with lam's shape
  layout.samples = out.num_elements() / layout.batches;
  return random::poisson::PoissonFill(ctx, lam, base, layout, p.dtype, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomPoisson")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Poisson(lam) samples from a seed pair (tf.random.stateless_poisson).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Input("lam: Rtype")
                         .Output("output: dtype")
                         .Attr("Rtype: {half, float, double, int32, int64}")
                         .Params<PoissonParams>()
                         .Attr("T: {int32, int64}")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<PoissonParams>)
                         .Kernel(PoissonKernel));

}  // namespace
}  // namespace opbridge
