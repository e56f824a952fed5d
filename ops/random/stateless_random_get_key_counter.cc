// StatelessRandomGetKeyCounter: the Philox key and counter of a seed pair,
// what tf.random.stateless_* computes before a V2 op: one Philox block of the
// seed under a fixed key (TF's GenerateKey, philox.h's KeyCounterFromSeed).
#include "stateless_random.h"

namespace opbridge {
namespace {

Status KeyCounterShape(ShapeContext& ctx) {
  const Shape& seed = ctx.input(0);
  OPBRIDGE_REQUIRE(!seed.rank_known() || (seed.rank() == 1 && (seed.dim(0) < 0 || seed.dim(0) == 2)),
                   "seed must have shape [2], not ", seed.ToString());
  ctx.set_output(0, Shape({1}));
  ctx.set_output(1, Shape({2}));
  return Status::Ok();
}

Status KeyCounterKernel(KernelContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(0)));
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(0), &key, counter));
  ctx.output(0).data<uint64_t>()[0] = key;
  ctx.output(1).data<uint64_t>()[0] = counter[0];
  ctx.output(1).data<uint64_t>()[1] = counter[1];
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomGetKeyCounter")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The Philox key and counter the stateless random ops derive from a seed pair.")
                         .Input("seed: Tseed")
                         .Output("key: uint64")
                         .Output("counter: uint64")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(KeyCounterShape)
                         .Kernel(KeyCounterKernel));

}  // namespace
}  // namespace opbridge
