// StatelessParameterizedTruncatedNormal
// (tf.random.stateless_parameterized_truncated_normal): normal(mean, stddev)
// samples restricted to [minval, maxval], bit for bit TF's CPU kernel. Per
// batch member one of three samplers, in the dtype's own arithmetic (half
// rounds after every operation, as Eigen::half does): normal draws kept when
// inside the bounds (when 1.3 standard deviations of one side fit), a uniform
// proposal on the bounds (a narrow interval), or an exponential proposal
// beyond the lower bound.
//
// Unlike the other samplers TF's functor does not skip per sample: each
// thread's shard starts 2000 * start / (values per block) blocks in and then
// consumes the stream sequentially, so TF's bits depend on how its thread
// pool splits the work. TF runs one shard (the stream from its start) when
// the work is small or it has one thread; that is what this kernel
// computes: each batch member continues the stream where the one before it
// stopped. The sampler of one member is truncated_normal.h; float32 on
// x86-64 with AVX2 spreads the members over the threads with the same bits
// (truncated_normal_float.h says how).
#include <type_traits>
#include <vector>

#include "sampling.h"
#include "truncated_normal.h"
#include "truncated_normal_float.h"

namespace opbridge {
namespace {

struct TruncatedNormalParams {
  DType dtype = DType::kFloat32;
  static void Declare(ParamBinder& b, TruncatedNormalParams& p) {
    b.Attr("dtype: {half, float, double}", &p.dtype);
  }
};

using random::Philox;
namespace truncated = random::truncated;

template <typename T>
Status PlanMember(const random::ParamBroadcast& bcast, const std::vector<const ConstTensor*>& params, int64_t batch,
                  truncated::Member<T>* m) {
  const auto b = static_cast<size_t>(batch);
  return truncated::PlanMember<T>(random::Param<T>(*params[0], bcast.index[0][b]),
                                  random::Param<T>(*params[1], bcast.index[1][b]),
                                  random::Param<T>(*params[2], bcast.index[2][b]),
                                  random::Param<T>(*params[3], bcast.index[3][b]), m);
}

// TF's loop: the members in order on one generator (sample s of member b at
// out[s * batches + b]); a member's parameters are checked when it is reached.
template <typename T>
Status FillSequential(const random::ParamBroadcast& bcast, const std::vector<const ConstTensor*>& params,
                      const random::SampleLayout& layout, Philox gen, T* out) {
  truncated::PhiloxDraw<T> draw(&gen);
  for (int64_t b = 0; b < layout.batches; ++b) {
    truncated::Member<T> m;
    OPBRIDGE_RETURN_IF_ERROR(PlanMember<T>(bcast, params, b, &m));
    OPBRIDGE_RETURN_IF_ERROR(truncated::SampleMember(m, draw, out + b, layout.batches, layout.samples));
  }
  return Status::Ok();
}

// float32 with AVX2: blocks eight at a time (FloatBlocks); on several threads,
// the members spread over them from the starts MemberBlocks finds, each
// checked against them (truncated_normal_float.h). Any error or
// disagreement: the sequential loop again, for TF's bits or TF's error.
Status FillFloat(const KernelContext& ctx, const random::ParamBroadcast& bcast,
                 const std::vector<const ConstTensor*>& params, const random::SampleLayout& layout, Philox base,
                 float* out) {
#if defined(__x86_64__)
  if (math::UseAvx2()) {
    const int64_t batches = layout.batches, samples = layout.samples;
    std::vector<truncated::Member<float>> members(static_cast<size_t>(batches));
    bool planned = true;
    for (int64_t b = 0; b < batches && planned; ++b) {
      planned = PlanMember<float>(bcast, params, b, &members[static_cast<size_t>(b)]).ok();
    }
    // About 20 ns per value; a few members at least, for the threads to share.
    constexpr int64_t kValueCost = 20;
    const int threads = ctx.num_threads();
    if (planned && threads > 1 && batches >= 4 && batches * samples * kValueCost >= 200000) {
      truncated::ParallelMembers work(members, base, samples, out);
      ctx.ParallelFor(threads, batches * samples * kValueCost / threads, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) work.Work();
      });
      if (work.Agreed()) return Status::Ok();
    }
    if (planned) {
      uint64_t first = 0;
      for (int64_t b = 0; b < batches; ++b) {
        const truncated::Member<float>& m = members[static_cast<size_t>(b)];
        truncated::FloatBlocks draw(base, first, m.sampler == truncated::Sampler::kNormal);
        const Status status = truncated::SampleMember(m, draw, out + b, batches, samples);
        if (!status.ok()) break;  // the sequential loop below gives the error in TF's order
        first += static_cast<uint64_t>(draw.used());
        if (b + 1 == batches) return Status::Ok();
      }
    }
  }
#endif
  (void)ctx;
  return FillSequential<float>(bcast, params, layout, base, out);
}

Status TruncatedNormalKernel(KernelContext& ctx, const TruncatedNormalParams& p) {
  const ConstTensor& shape_t = ctx.input(0);
  const ConstTensor& seed = ctx.input(1);
  OPBRIDGE_RETURN_IF_ERROR(random::CheckSeedShape(seed));
  const std::vector<const ConstTensor*> params = {&ctx.input(2), &ctx.input(3), &ctx.input(4), &ctx.input(5)};
  random::ParamBroadcast bcast;
  OPBRIDGE_REQUIRE(bcast.Init({params[0]->shape(), params[1]->shape(), params[2]->shape(), params[3]->shape()}),
                   "means, stddevs, minvals, maxvals must have compatible batch dimensions: ",
                   params[0]->shape().ToString(), " vs. ", params[1]->shape().ToString(), " vs. ",
                   params[2]->shape().ToString(), " vs. ", params[3]->shape().ToString());
  OPBRIDGE_REQUIRE(shape_t.rank() == 1, "Input shape should be a vector, got shape: ", shape_t.shape().ToString());
  Shape shape;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapeFromTensor(shape_t, &shape));
  OPBRIDGE_REQUIRE(random::EndsWith(shape, bcast.batch_dims), "Shape passed in must end with broadcasted shape.");
  Tensor out;
  OPBRIDGE_RETURN_IF_ERROR(random::ShapedOutput(ctx, shape, &out));
  if (out.num_elements() == 0) return Status::Ok();
  uint64_t key, counter[2];
  OPBRIDGE_RETURN_IF_ERROR(random::GeneratorFromSeed(seed, &key, counter));
  const random::SampleLayout layout = random::LayoutFor(shape, bcast.batch_dims);
  return math::DispatchElement<Eigen::half, float, double>(p.dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const Philox gen = Philox::FromKeyCounter(key, counter);
    if constexpr (std::is_same_v<T, float>) return FillFloat(ctx, bcast, params, layout, gen, out.data<T>());
    return FillSequential<T>(bcast, params, layout, gen, out.data<T>());
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("StatelessParameterizedTruncatedNormal")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Truncated normal samples with per-batch mean, stddev and bounds, from a seed "
                              "pair (tf.random.stateless_parameterized_truncated_normal).")
                         .Input("shape: S")
                         .Input("seed: Tseed")
                         .Input("means: dtype")
                         .Input("stddevs: dtype")
                         .Input("minvals: dtype")
                         .Input("maxvals: dtype")
                         .Output("output: dtype")
                         .Attr("S: {int32, int64}")
                         .Attr("Tseed: {int32, int64} = DT_INT64")
                         .Params<TruncatedNormalParams>()
                         .ShapeRule(random::ShapeFromInput0<TruncatedNormalParams>)
                         .Kernel(TruncatedNormalKernel));

}  // namespace
}  // namespace opbridge
