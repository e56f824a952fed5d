// TruncatedNormal (tf.random.truncated_normal with a seed, the truncated
// normal initializers): standard normal values with |x| < 2, TF's CPU kernel
// bit for bit. The values are StatelessTruncatedNormal's distribution over
// the node's stream (stateful.h): each run reserves 256 Philox blocks per
// output, as TF's PhiloxRandomOp does, so the node's n-th run gives TF's n-th.
#include "stateful.h"
#include "stateless_random.h"

namespace opbridge {
namespace {

struct TruncatedNormalParams : random::SeedAttrs {
  DType dtype = DType::kFloat32;
  static void Declare(ParamBinder& b, TruncatedNormalParams& p) {
    p.DeclareSeeds(b);
    b.Attr("dtype: {half, bfloat16, float, double}", &p.dtype);
  }
};

Status TruncatedNormalKernel(KernelContext& ctx, const TruncatedNormalParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  const int64_t n = out.num_elements();
  const random::Philox gen = p.generator.ReserveOutputs(n);
  if (n == 0) return Status::Ok();
  return math::DispatchFloating(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    random::FillPhilox(ctx, gen, random::TruncatedNormal<T>(), out.data<T>(), n);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("TruncatedNormal")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Truncated standard normal values (|x| < 2) from the node's seeded stream.")
                         .Input("shape: T")
                         .Output("output: dtype")
                         .Params<TruncatedNormalParams>()
                         .Attr("T: {int32, int64}")
                         .ShapeRule(random::ShapeFromInput0<TruncatedNormalParams>)
                         .Kernel(TruncatedNormalKernel));

}  // namespace
}  // namespace opbridge
