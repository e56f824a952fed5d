// SparseCross: the v1 cross of sparse and dense feature columns
// (tf.compat.v1.sparse.cross, cross_hashed; feature columns' crossed_column).
// TFLite has no kernel.
//
// As TF's kernel registrations, `out_type` picks the crosser, not
// `hashed_output`: out_type int64 hashes (start from hash_key, then
// FingerprintCat64 with each feature: Fingerprint64 of a string, an int64 as
// it is; modulo num_buckets, or INT64_MAX when num_buckets is 0), out_type
// string joins the features with "_X_" (int64 in decimal). internal_type
// string refuses int64 columns. Inputs, checks and order: sparse_cross.h.
#include <string>
#include <vector>

#include "opbridge/op.h"
#include "sparse_cross.h"

namespace opbridge {
namespace {

struct SparseCrossParams {
  int64_t n = 0;
  bool hashed_output = false;
  int64_t num_buckets = 0;
  int64_t hash_key = 0;
  std::vector<DType> sparse_types, dense_types;
  DType out_type = DType::kInt64;
  DType internal_type = DType::kInt64;

  static void Declare(ParamBinder& b, SparseCrossParams& p) {
    b.Attr("N: int >= 0", &p.n);
    b.Attr("hashed_output: bool", &p.hashed_output);
    b.Attr("num_buckets: int >= 0", &p.num_buckets);
    b.Attr("hash_key: int", &p.hash_key);
    b.Attr("sparse_types: list(type)", &p.sparse_types);  // bound by the tensors; the kernel checks them
    b.Attr("dense_types: list(type)", &p.dense_types);
    b.Attr("out_type: {int64, string}", &p.out_type);
    b.Attr("internal_type: {int64, string}", &p.internal_type);
  }
};

Status SparseCrossShape(ShapeContext& ctx, const SparseCrossParams&) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status SparseCrossKernel(KernelContext& ctx, const SparseCrossParams& p) {
  sparse_cross::Layout layout;
  layout.n = p.n;
  layout.list_size = ctx.num_inputs();
  layout.refuse_int64 = p.internal_type == DType::kString;
  sparse_cross::Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(sparse_cross::PlanCrosses(ctx, layout, &plan));
  OPBRIDGE_RETURN_IF_ERROR(sparse_cross::AllocateOutputs(ctx, plan));
  if (p.out_type == DType::kString) return sparse_cross::WriteStringCrosses(ctx, plan, "_X_");

  sparse_cross::WriteHashedCrosses(ctx, plan, p.hash_key, p.num_buckets, 1);
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseCross")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cartesian crosses of sparse and dense feature columns, hashed or as joined strings (v1).")
                         .Input("indices: N * int64")
                         .Input("values: sparse_types")
                         .Input("shapes: N * int64")
                         .Input("dense_inputs: dense_types")
                         .Output("output_indices: int64")
                         .Output("output_values: out_type")
                         .Output("output_shape: int64")
                         .ListLength("values", "N")  // TF's kernel requires len(sparse_types) == N
                         .Params<SparseCrossParams>()
                         .ShapeRule(SparseCrossShape)
                         .Kernel(SparseCrossKernel));

}  // namespace opbridge
