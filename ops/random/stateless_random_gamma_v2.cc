// StatelessRandomGammaV2: gamma(alpha) samples from a seed pair (the V2 op,
// before key and counter inputs): StatelessRandomGammaV3's values for the
// key and counter of the seed.
#include "gamma.h"

namespace opbridge {
namespace {

Status GammaV2Kernel(KernelContext& ctx, const random::GammaParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(1)));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(1), &key, counter));
  const random::Philox gen = random::Philox::FromKeyCounter(key, counter);
  return random::GammaFill(ctx, p, 2, shape, &gen, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomGammaV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gamma(alpha) samples from a seed pair (V2 op).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Input("alpha: dtype")
                         .Output("output: dtype")
                         .Params<random::GammaParams>()
                         .Attr("T: {int32, int64}")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<random::GammaParams>)
                         .Kernel(GammaV2Kernel));

}  // namespace
}  // namespace opbridge
