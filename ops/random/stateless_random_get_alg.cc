// StatelessRandomGetAlg: the random algorithm TF's CPU kernels use, Philox (1).
#include "stateless_random.h"

namespace opbridge {
namespace {

Status AlgShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape());
  return Status::Ok();
}

Status AlgKernel(KernelContext& ctx) {
  ctx.output(0).data<int32_t>()[0] = random::kAlgPhilox;
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomGetAlg")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The random algorithm of TF's CPU kernels: Philox (1).")
                         .Output("alg: int32")
                         .ShapeRule(AlgShape)
                         .Kernel(AlgKernel));

}  // namespace
}  // namespace opbridge
