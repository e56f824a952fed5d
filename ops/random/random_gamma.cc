// RandomGamma (tf.random.gamma with a seed): gamma(alpha) samples from the
// node's seeded stream (stateful.h). Output shape is `shape` followed by
// alpha's; sample s of alpha a sits at s * num_alphas + a. TF's CPU kernel
// bit for bit: the sampler StatelessRandomGammaV3 shares (gamma.h; in double
// whatever T), each sample from its own 256 Philox blocks, and
// 256 blocks per output reserved per run.
#include "gamma.h"
#include "stateful.h"

namespace opbridge {
namespace {

struct GammaParams : random::SeedAttrs {
  DType t = DType::kFloat32;
  static void Declare(ParamBinder& b, GammaParams& p) {
    p.DeclareSeeds(b);
    b.Attr("T: {half, float, double}", &p.t);
  }
};

// shape ++ alpha's shape: known when `shape` is a constant and alpha's dims are.
Status GammaShape(ShapeContext& ctx, const GammaParams&) {
  const Shape& s = ctx.input(0);
  OPBRIDGE_REQUIRE(!s.rank_known() || s.rank() == 1, "shape must be a vector of {int32,int64}, got shape ",
                   s.ToString());
  const Shape& alpha = ctx.input(1);
  const ConstTensor* value = ctx.input_value(0);
  bool known = value != nullptr && alpha.rank_known();
  for (int i = 0; known && i < alpha.rank(); ++i) known = alpha.dim(i) >= 0;
  if (!known) {
    ctx.set_output(0, Shape::UnknownRank());
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  Shape out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(*value, &out));
  std::vector<int64_t> dims = out.dims();
  dims.insert(dims.end(), alpha.dims().begin(), alpha.dims().end());
  ctx.set_output(0, Shape(std::move(dims)));
  return Status::Ok();
}

Status GammaKernel(KernelContext& ctx, const GammaParams& p) {
  const ConstTensor& alpha = ctx.input(1);
  Shape samples;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(ctx.input(0), &samples));
  std::vector<int64_t> dims = samples.dims();
  dims.insert(dims.end(), alpha.shape().dims().begin(), alpha.shape().dims().end());
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, Shape(std::move(dims)), &out));
  const int64_t n = out.num_elements();
  if (n == 0) return Status::Ok();
  const random::Philox base = p.generator.ReserveOutputs(n);
  random::SampleLayout layout;
  layout.batches = alpha.num_elements();
  layout.samples = n / layout.batches;
  return math::DispatchElement<Eigen::half, float, double>(p.t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = out.data<T>();
    ctx.ParallelFor(n, 300, [&](int64_t begin, int64_t end) {
      for (int64_t w = begin; w < end; ++w) {
        const auto a = static_cast<double>(random::Param<T>(alpha, w / layout.samples));
        dst[layout.Position(w)] = random::FromDouble<T>(random::GammaSample(a, base, w));
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("RandomGamma")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gamma(alpha) samples from the node's seeded stream, shape ++ alpha's shape.")
                         .Input("shape: S")
                         .Input("alpha: T")
                         .Output("output: T")
                         .Params<GammaParams>()
                         .Attr("S: {int32, int64}")
                         .ShapeRule(GammaShape)
                         .Kernel(GammaKernel));

}  // namespace
}  // namespace opbridge
