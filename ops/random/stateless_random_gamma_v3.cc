// StatelessRandomGammaV3 (tf.random.stateless_gamma): gamma(alpha) samples
// from a Philox key and counter, bit for bit TF's CPU kernel (gamma.h).
#include "gamma.h"

namespace opbridge {
namespace {

Status GammaV3Kernel(KernelContext& ctx, const random::GammaParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  int alg = 0;
  OPBRIDGE_RETURN_IF_ERROR(random::ReadKeyCounterAlg(ctx, &alg));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  random::Philox gen;
  OPBRIDGE_RETURN_IF_ERROR(random::PhiloxFromKeyCounter(ctx, alg, &gen));
  return random::GammaFill(ctx, p, 4, shape, &gen, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomGammaV3")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gamma(alpha) samples from a Philox key and counter (tf.random.stateless_gamma).")
                         .Input("shape: shape_dtype")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Input("alpha: dtype")
                         .Output("output: dtype")
                         .Params<random::GammaParams>()
                         .Attr("shape_dtype: {int32, int64} = DT_INT32")
                         .ShapeRule(random::ShapeFromInput0<random::GammaParams>)
                         .Kernel(GammaV3Kernel));

}  // namespace
}  // namespace opbridge
