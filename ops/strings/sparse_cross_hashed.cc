// SparseCrossHashed: tf.sparse.cross_hashed and Keras HashedCrossing. TFLite
// has no kernel.
//
// As TF's HashCrosserV2 over keyed columns: the hash starts from column 0's
// feature and takes FingerprintCat64 with each further one; modulo
// num_buckets, or INT64_MAX when num_buckets <= 0. A feature is
// - strong_hash: SipHash-2-4 keyed by `salt` of the string, or of the int64's
//   first 4 bytes (TF passes sizeof(DataType) = 4 as the length: values that
//   differ only in their high 32 bits collide);
// - otherwise: Fingerprint64 of a string; for an int64 in a sparse column
//   Fingerprint64 of its first 4 bytes (the same quirk), in a dense column
//   the value itself.
// Inputs, checks and order: sparse_cross.h.
#include <vector>

#include "fingerprint64.h"
#include "opbridge/op.h"
#include "siphash.h"
#include "sparse_cross.h"

namespace opbridge {
namespace {

constexpr size_t kInt64HashedBytes = 4;  // TF's sizeof(values.dtype())

struct SparseCrossHashedParams {
  int64_t n = 0;

  static void Declare(ParamBinder& b, SparseCrossHashedParams& p) {
    b.Attr("N: int >= 0", &p.n);
  }
};

Status SparseCrossHashedShape(ShapeContext& ctx, const SparseCrossHashedParams&) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

uint64_t KeyedFeature(const sparse_cross::Column& col, int64_t at, bool strong, const uint64_t (&key)[2]) {
  if (col.is_string()) {
    return strong ? siphash::StrongKeyedHash(key, col.strings[at]) : fingerprint::Fingerprint64(col.strings[at]);
  }
  const char* bytes = col.int_bytes(at);
  if (strong) return siphash::SipHash24(key[0], key[1], bytes, kInt64HashedBytes);
  if (col.dense) return static_cast<uint64_t>(col.int_at(at));
  return fingerprint::Fingerprint64(bytes, kInt64HashedBytes);
}

Status SparseCrossHashedKernel(KernelContext& ctx, const SparseCrossHashedParams& p) {
  const int list_size = ctx.num_inputs() - 3;
  const ConstTensor& num_buckets_t = ctx.input(list_size);
  const ConstTensor& strong_hash_t = ctx.input(list_size + 1);
  const ConstTensor& salt_t = ctx.input(list_size + 2);
  OPBRIDGE_REQUIRE(num_buckets_t.dtype() == DType::kInt64 && num_buckets_t.rank() == 0,
                   "input 'num_buckets' must be an int64 scalar, got ", DTypeName(num_buckets_t.dtype()), " ",
                   num_buckets_t.shape().ToString());
  OPBRIDGE_REQUIRE(strong_hash_t.dtype() == DType::kBool && strong_hash_t.rank() == 0,
                   "input 'strong_hash' must be a bool scalar, got ", DTypeName(strong_hash_t.dtype()), " ",
                   strong_hash_t.shape().ToString());
  OPBRIDGE_REQUIRE(salt_t.dtype() == DType::kInt64, "input 'salt' must be int64, got ", DTypeName(salt_t.dtype()));
  sparse_cross::Layout layout;
  layout.n = p.n;
  layout.list_size = list_size;
  sparse_cross::Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(sparse_cross::PlanCrosses(ctx, layout, &plan));
  OPBRIDGE_REQUIRE(salt_t.num_elements() == 2, "input 'salt' must have length 2 but has length ",
                   salt_t.num_elements());
  const int64_t num_buckets = sparse_cross::LoadInt64(num_buckets_t.data<void>(), 0);
  const bool strong = strong_hash_t.data<bool>()[0];
  const uint64_t key[2] = {static_cast<uint64_t>(sparse_cross::LoadInt64(salt_t.data<void>(), 0)),
                           static_cast<uint64_t>(sparse_cross::LoadInt64(salt_t.data<void>(), 1))};
  OPBRIDGE_RETURN_IF_ERROR(sparse_cross::AllocateOutputs(ctx, plan));

  int64_t* values = ctx.output(1).data<int64_t>();
  sparse_cross::ForEachCross(ctx, plan, [&](int64_t out, const int64_t* pick) {
    uint64_t hash = KeyedFeature(plan.columns[0], pick[0], strong, key);
    for (size_t c = 1; c < plan.columns.size(); ++c) {
      hash = fingerprint::FingerprintCat64(hash, KeyedFeature(plan.columns[c], pick[c], strong, key));
    }
    values[out] = sparse_cross::Bucket(hash, num_buckets);
  });
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseCrossHashed")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Hashed cartesian crosses of sparse and dense feature columns, optionally keyed (tf.sparse.cross_hashed).")
                         .Input("indices: N * int64")
                         .Input("values: sparse_types")
                         .Input("shapes: N * int64")
                         .Input("dense_inputs: dense_types")
                         .Input("num_buckets: int64")
                         .Input("strong_hash: bool")
                         .Input("salt: int64")
                         .Output("output_indices: int64")
                         .Output("output_values: int64")
                         .Output("output_shape: int64")
                         .ListLength("values", "N")  // TF's kernel requires len(sparse_types) == N
                         .Params<SparseCrossHashedParams>()
                         .Attr("sparse_types: list(type)")
                         .Attr("dense_types: list(type)")
                         .ShapeRule(SparseCrossHashedShape)
                         .Kernel(SparseCrossHashedKernel));

}  // namespace opbridge
