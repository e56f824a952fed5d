// RandomUniformInt (tf.random.uniform with an integer dtype,
// tf.image.random_crop's offsets): integers in [minval, maxval) from the
// node's seeded stream (stateful.h), TF's CPU kernel bit for bit: minval +
// bits % (maxval - minval), 256 Philox blocks reserved per output and run.
#include "stateful.h"
#include "stateless_random.h"

namespace opbridge {
namespace {

struct UniformIntParams : random::SeedAttrs {
  DType tout = DType::kInt32;
  static void Declare(ParamBinder& b, UniformIntParams& p) {
    p.DeclareSeeds(b);
    b.Attr("Tout: {int32, int64}", &p.tout);
  }
};

template <typename T>
Status Fill(KernelContext& ctx, const UniformIntParams& p, const Tensor& out) {
  const T lo = random::LoadElement<T>(ctx.input(1), 0);
  const T hi = random::LoadElement<T>(ctx.input(2), 0);
  // TF checks the range only for a non-empty output (the kernel returns first).
  OPBRIDGE_REQUIRE(lo < hi, "Need minval < maxval, got ", lo, " >= ", hi);
  const random::Philox gen = p.generator.ReserveOutputs(out.num_elements());
  random::FillPhilox(ctx, gen, random::UniformInt<T>(lo, hi), out.data<T>(), out.num_elements());
  return Status::Ok();
}

Status UniformIntKernel(KernelContext& ctx, const UniformIntParams& p) {
  const ConstTensor& minval = ctx.input(1);
  const ConstTensor& maxval = ctx.input(2);
  OPBRIDGE_REQUIRE(minval.rank() == 0, "minval must be 0-D, got shape ", minval.shape().ToString());
  OPBRIDGE_REQUIRE(maxval.rank() == 0, "maxval must be 0-D, got shape ", maxval.shape().ToString());
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  if (p.tout == DType::kInt32) return Fill<int32_t>(ctx, p, out);
  return Fill<int64_t>(ctx, p, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("RandomUniformInt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Integers in [minval, maxval) from the node's seeded stream.")
                         .Input("shape: T")
                         .Input("minval: Tout")
                         .Input("maxval: Tout")
                         .Output("output: Tout")
                         .Params<UniformIntParams>()
                         .Attr("T: {int32, int64}")
                         .ShapeRule(random::ShapeFromInput0<UniformIntParams>)
                         .Kernel(UniformIntKernel));

}  // namespace
}  // namespace opbridge
