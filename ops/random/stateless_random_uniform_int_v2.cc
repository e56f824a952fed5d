// StatelessRandomUniformIntV2: integers in [minval, maxval) from a Philox key
// and counter (tf.random.stateless_uniform with an integer dtype and bounds):
// minval + bits % (maxval - minval), one 32-bit word per int32 value and two
// per int64 value, as TF's UniformDistribution.
#include "stateless_random.h"

namespace opbridge {
namespace {

struct UniformIntParams {
  DType dtype = DType::kInt32;
  static void Declare(ParamBinder& b, UniformIntParams& p) {
    b.Attr("dtype: {int32, int64, uint32, uint64}", &p.dtype);
  }
};

template <typename T>
Status Fill(KernelContext& ctx, int alg, const Tensor& out) {
  T lo, hi;
  OPBRIDGE_RETURN_IF_ERROR(random::ReadRange<T>(ctx, 4, &lo, &hi));
  random::Philox gen;
  OPBRIDGE_RETURN_IF_ERROR(random::PhiloxFromKeyCounter(ctx, alg, &gen));
  random::FillPhilox(ctx, gen, random::UniformInt<T>(lo, hi), out.data<T>(), out.num_elements());
  return Status::Ok();
}

Status UniformIntV2Kernel(KernelContext& ctx, const UniformIntParams& p) {
  // TF registers CPU kernels for int32 and int64 only; the op admits uint32/uint64.
  OPBRIDGE_REQUIRE(p.dtype == DType::kInt32 || p.dtype == DType::kInt64, "no CPU kernel for dtype ",
                   DTypeName(p.dtype), " (TF registers int32 and int64 only)");
  int alg = 0;
  OPBRIDGE_RETURN_IF_ERROR(random::ReadKeyCounterAlg(ctx, &alg));
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();  // TF checks the range only for a non-empty output
  if (p.dtype == DType::kInt32) return Fill<int32_t>(ctx, alg, out);
  return Fill<int64_t>(ctx, alg, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomUniformIntV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Integers in [minval, maxval) from a Philox key and counter "
                              "(tf.random.stateless_uniform with integer bounds).")
                         .Input("shape: Tshape")
                         .Input("key: uint64")
                         .Input("counter: uint64")
                         .Input("alg: int32")
                         .Input("minval: dtype")
                         .Input("maxval: dtype")
                         .Output("output: dtype")
                         .Params<UniformIntParams>()
                         .Attr("Tshape: {int32, int64} = DT_INT32")
                         .ShapeRule(random::ShapeFromInput0<UniformIntParams>)
                         .Kernel(UniformIntV2Kernel));

}  // namespace
}  // namespace opbridge
