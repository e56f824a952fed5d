// RandomGamma (tf.random.gamma with a seed): gamma(alpha) samples from the
// node's seeded stream (stateful.h). Output shape is `shape` followed by
// alpha's; sample s of alpha a sits at s * num_alphas + a. TF's CPU kernel
// bit for bit: the sampler StatelessRandomGammaV3 shares (gamma.h; in double
// whatever T), each sample from its own 256 Philox blocks, and
// 256 blocks per output reserved per run.
#include "gamma.h"
#include "samples_per_param.h"
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

Status GammaKernel(KernelContext& ctx, const GammaParams& p) {
  const ConstTensor& alpha = ctx.input(1);
  Tensor out;
  random::SampleLayout layout;
  OPBRIDGE_RETURN_IF_ERROR(random::SamplesPerParamOutput(ctx, &out, &layout));
  const int64_t n = out.num_elements();
  if (n == 0) return Status::Ok();
  const random::Philox base = p.generator.ReserveOutputs(n);
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
                         .ShapeRule(random::SamplesPerParamShape)
                         .Kernel(GammaKernel));

}  // namespace
}  // namespace opbridge
