// StringToHashBucketStrong: tf.strings.to_hash_bucket_strong (and Keras
// Hashing with a salt): SipHash-2-4 keyed by `key` (2 ints, read as uint64
// bit patterns) of each string, modulo num_buckets in uint64, as int64.
// TFLite has no kernel.
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "siphash.h"

namespace opbridge {
namespace {

struct StrongBucketParams {
  int64_t num_buckets = 1;
  std::vector<int64_t> key;

  static void Declare(ParamBinder& b, StrongBucketParams& p) {
    b.Attr("num_buckets: int >= 1", &p.num_buckets);
    b.Attr("key: list(int)", &p.key);
  }
  Status Validate() const {
    OPBRIDGE_REQUIRE(key.size() == 2, "attr 'key' must have 2 elements, got ", key.size());
    return Status::Ok();
  }
};

Status StringToHashBucketStrongKernel(KernelContext& ctx, const StrongBucketParams& p) {
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  int64_t* out = ctx.output(0).data<int64_t>();
  const uint64_t key[2] = {static_cast<uint64_t>(p.key[0]), static_cast<uint64_t>(p.key[1])};
  const auto buckets = static_cast<uint64_t>(p.num_buckets);
  ctx.ParallelFor(input.num_elements(), 200, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = static_cast<int64_t>(siphash::StrongKeyedHash(key, in[i]) % buckets);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringToHashBucketStrong")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Keyed SipHash-2-4 of each string modulo num_buckets (tf.strings.to_hash_bucket_strong).")
                         .Input("input: string")
                         .Output("output: int64")
                         .Params<StrongBucketParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringToHashBucketStrongKernel));

}  // namespace opbridge
