// StatelessRandomUniformFullIntV2: integers over their whole range from a
// Philox key and counter (tf.random.stateless_uniform with minval=maxval=None):
// the generator's words themselves, one per 32-bit value, two (low first) per
// 64-bit value.
#include "stateless_random.h"

namespace opbridge {
namespace {

struct FullIntParams {
  DType dtype = DType::kUInt64;
  static void Declare(ParamBinder& b, FullIntParams& p) {
    b.Attr("dtype: {int32, int64, uint32, uint64} = DT_UINT64", &p.dtype);
  }
};

Status FullIntV2Kernel(KernelContext& ctx, const FullIntParams& p) {
  int alg = 0;
  OPBRIDGE_RETURN_IF_ERROR(random::ReadKeyCounterAlg(ctx, &alg));
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  random::Philox gen;
  OPBRIDGE_RETURN_IF_ERROR(random::PhiloxFromKeyCounter(ctx, alg, &gen));
  return Dispatch<int32_t, int64_t, uint32_t, uint64_t>(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    random::FillPhilox(ctx, gen, random::UniformFullInt<T>(), out.data<T>(), out.num_elements());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomUniformFullIntV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Integers over their whole range from a Philox key and counter "
                              "(tf.random.stateless_uniform with minval=maxval=None).")
                         .Input("shape: Tshape")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Output("output: dtype")
                         .Params<FullIntParams>()
                         .Attr("Tshape: {int32, int64} = DT_INT32")
                         .ShapeRule(random::ShapeFromInput0<FullIntParams>)
                         .Kernel(FullIntV2Kernel));

}  // namespace
}  // namespace opbridge
