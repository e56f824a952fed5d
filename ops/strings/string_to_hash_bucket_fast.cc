// StringToHashBucketFast: tf.strings.to_hash_bucket_fast (and Keras Hashing
// without a salt): Fingerprint64(s) % num_buckets per string, in uint64, as
// int64. TFLite has no kernel.
#include <string_view>

#include "fingerprint64.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct BucketParams {
  int64_t num_buckets = 1;

  static void Declare(ParamBinder& b, BucketParams& p) { b.Attr("num_buckets: int >= 1", &p.num_buckets); }
};

Status StringToHashBucketFastKernel(KernelContext& ctx, const BucketParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  int64_t* out = ctx.output(0).data<int64_t>();
  const auto buckets = static_cast<uint64_t>(p.num_buckets);
  ctx.ParallelFor(input.num_elements(), 100, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = static_cast<int64_t>(fingerprint::Fingerprint64(in[i]) % buckets);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringToHashBucketFast")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Farmhash64 fingerprint of each string modulo num_buckets (tf.strings.to_hash_bucket_fast).")
                         .Input("input: string")
                         .Output("output: int64")
                         .Params<BucketParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringToHashBucketFastKernel));

}  // namespace opbridge
