// StatelessRandomGetKeyCounterAlg: StatelessRandomGetKeyCounter plus the
// algorithm TF's CPU picks, always Philox (1).
#include "stateless_random.h"

namespace opbridge {
namespace {

Status KeyCounterAlgShape(ShapeContext& ctx) {
  const Shape& seed = ctx.input(0);
  OPBRIDGE_REQUIRE(!seed.rank_known() || (seed.rank() == 1 && (seed.dim(0) < 0 || seed.dim(0) == 2)),
                   "seed must have shape [2], not ", seed.ToString());
  ctx.set_output(0, Shape({1}));
  ctx.set_output(1, Shape({2}));
  ctx.set_output(2, Shape());
  return Status::Ok();
}

Status KeyCounterAlgKernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(0)));
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(0), &key, counter));
  ctx.output(0).data<uint64_t>()[0] = key;
  ctx.output(1).data<uint64_t>()[0] = counter[0];
  ctx.output(1).data<uint64_t>()[1] = counter[1];
  ctx.output(2).data<int32_t>()[0] = random::kAlgPhilox;
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomGetKeyCounterAlg")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The Philox key and counter of a seed pair, and the algorithm (Philox).")
                         .Input("seed: Tseed")
                         .Output("key: uint64")
                         .Output("counter: uint64")
                         .Output("alg: int32")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(KeyCounterAlgShape)
                         .Kernel(KeyCounterAlgKernel));

}  // namespace
}  // namespace opbridge
