// StatelessRandomUniformInt: integers in [minval, maxval) from a seed pair
// (the V1 op): StatelessRandomUniformIntV2's values for the key and counter
// StatelessRandomGetKeyCounter derives from the seed.
#include "stateless_random.h"

namespace opbridge {
namespace {

struct UniformIntParams {
  DType dtype = DType::kInt32;
  static void Declare(ParamBinder& b, UniformIntParams& p) { b.Attr("dtype: {int32, int64}", &p.dtype); }
};

template <typename T>
Status Fill(KernelContext& ctx, const Tensor& out) {
  T lo, hi;
  OPBRIDGE_RETURN_IF_ERROR(random::ReadRange<T>(ctx, 2, &lo, &hi));
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(ctx.input(1), &key, counter));
  random::FillPhilox(ctx, random::Philox::FromKeyCounter(key, counter), random::UniformInt<T>(lo, hi),
                     out.data<T>(), out.num_elements());
  return Status::Ok();
}

Status UniformIntKernel(KernelContext& ctx, const UniformIntParams& p) {
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &shape));
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(ctx.input(1)));
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();  // TF checks the range only for a non-empty output
  if (p.dtype == DType::kInt32) return Fill<int32_t>(ctx, out);
  return Fill<int64_t>(ctx, out);
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessRandomUniformInt")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Integers in [minval, maxval) from a seed pair (V1 op).")
                         .Input("shape: T")
                         .Input("seed: Tseed")
                         .Input("minval: dtype")
                         .Input("maxval: dtype")
                         .Output("output: dtype")
                         .Params<UniformIntParams>()
                         .Attr("T: {int32, int64}")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .ShapeRule(random::ShapeFromInput0<UniformIntParams>)
                         .Kernel(UniformIntKernel));

}  // namespace
}  // namespace opbridge
