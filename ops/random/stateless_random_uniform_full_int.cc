// StatelessRandomUniformFullInt: integers over their whole range from a seed
// pair (the V1 op): StatelessRandomUniformFullIntV2's values for the key and
// counter of the seed. Its seed may be declared uint32/uint64, which TF's
// kernel refuses at run time ("Invalid seed type").
#include "stateless_random.h"

namespace opbridge {
namespace {

struct FullIntParams {
  DType dtype = DType::kUInt64;
  static void Declare(ParamBinder& b, FullIntParams& p) {
    b.Attr("dtype: {int32, int64, uint32, uint64} = DT_UINT64", &p.dtype);
  }
};

Status FullIntKernel(KernelContext& ctx, const FullIntParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(1)));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(1), &key, counter));
  return Dispatch<int32_t, int64_t, uint32_t, uint64_t>(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    random::FillPhilox(ctx, random::Philox::FromKeyCounter(key, counter), random::UniformFullInt<T>(),
                       out.data<T>(), out.num_elements());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomUniformFullInt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Integers over their whole range from a seed pair (V1 op).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Output("output: dtype")
                         .Params<FullIntParams>()
                         .Attr("T: {int32, int64} = DT_INT32")
                         .Attr("Tseed: {int32, int64, uint32, uint64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<FullIntParams>)
                         .Kernel(FullIntKernel));

}  // namespace
}  // namespace opbridge
