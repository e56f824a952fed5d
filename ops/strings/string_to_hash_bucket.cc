// StringToHashBucket (deprecated, tf.compat.v1.string_to_hash_bucket): unlike
// the Fast variant it hashes with TF's Hash64 (tsl/platform/hash.cc), a
// MurmurHash64A-style hash with seed 0xDECAFCAFFE, not farmhash; the result is
// that hash % num_buckets in uint64, as int64. TFLite has no kernel.
#include <cstring>
#include <string_view>

#include "opbridge/op.h"

namespace opbridge {
namespace {

// TF's Hash64(data, n, seed): 8-byte little-endian words (memcpy: unaligned
// string bytes), the 0-7 tail bytes xored in from the top down, then a final
// avalanche. uint64 arithmetic only.
uint64_t TfHash64(std::string_view s, uint64_t seed) {
  constexpr uint64_t kMul = 0xc6a4a7935bd1e995ULL;
  constexpr int kShift = 47;
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = seed ^ (static_cast<uint64_t>(n) * kMul);
  while (n >= 8) {
    uint64_t k;
    std::memcpy(&k, p, sizeof(k));
    p += 8;
    n -= 8;
    k *= kMul;
    k ^= k >> kShift;
    k *= kMul;
    h ^= k;
    h *= kMul;
  }
  if (n > 0) {
    for (size_t i = n; i-- > 0;) h ^= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    h *= kMul;
  }
  h ^= h >> kShift;
  h *= kMul;
  h ^= h >> kShift;
  return h;
}

struct LegacyBucketParams {
  int64_t num_buckets = 1;

  static void Declare(ParamBinder& b, LegacyBucketParams& p) { b.Attr("num_buckets: int >= 1", &p.num_buckets); }
};

Status StringToHashBucketKernel(KernelContext& ctx, const LegacyBucketParams& p) {
  constexpr uint64_t kSeed = 0xDECAFCAFFEULL;  // TF's default Hash64 seed
  const ConstTensor& input = ctx.input(0);
  const std::string_view* in = input.data<std::string_view>();
  int64_t* out = ctx.output(0).data<int64_t>();
  const auto buckets = static_cast<uint64_t>(p.num_buckets);
  ctx.ParallelFor(input.num_elements(), 100, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = static_cast<int64_t>(TfHash64(in[i], kSeed) % buckets);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("StringToHashBucket")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("TF's Hash64 (Murmur-style, seed 0xDECAFCAFFE) of each string modulo num_buckets (deprecated op).")
                         .Input("string_tensor: string")
                         .Output("output: int64")
                         .Params<LegacyBucketParams>()
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(StringToHashBucketKernel));

}  // namespace opbridge
