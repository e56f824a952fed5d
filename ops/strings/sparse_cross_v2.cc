// SparseCrossV2: tf.sparse.cross, the string cross of sparse and dense
// feature columns: each cross joins its features with the scalar `sep`
// (int64 features in decimal). TFLite has no kernel. Inputs, checks and
// order: sparse_cross.h.
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "sparse_cross.h"

namespace opbridge {
namespace {

struct SparseCrossV2Params {
  int64_t n = 0;

  static void Declare(ParamBinder& b, SparseCrossV2Params& p) {
    b.Attr("N: int >= 0", &p.n);
  }
};

Status SparseCrossV2Shape(ShapeContext& ctx, const SparseCrossV2Params&) {
  for (int i = 0; i < 3; ++i) ctx.set_output_dynamic(i);
  return Status::Ok();
}

Status SparseCrossV2Kernel(KernelContext& ctx, const SparseCrossV2Params& p) {
  const int list_size = ctx.num_inputs() - 1;
  const ConstTensor& sep_t = ctx.input(list_size);
  OPBRIDGE_REQUIRE(sep_t.dtype() == DType::kString, "input 'sep' must be a string, got ", DTypeName(sep_t.dtype()));
  sparse_cross::Layout layout;
  layout.n = p.n;
  layout.list_size = list_size;
  sparse_cross::Plan plan;
  OPBRIDGE_RETURN_IF_ERROR(sparse_cross::PlanCrosses(ctx, layout, &plan));
  OPBRIDGE_REQUIRE(sep_t.rank() == 0, "input 'sep' must be a scalar, got shape ", sep_t.shape().ToString());
  const std::string_view sep = sep_t.data<std::string_view>()[0];
  OPBRIDGE_RETURN_IF_ERROR(sparse_cross::AllocateOutputs(ctx, plan));
  return sparse_cross::WriteStringCrosses(ctx, plan, sep);
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseCrossV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Cartesian crosses of sparse and dense feature columns as strings joined by sep (tf.sparse.cross).")
                         .Input("indices: N * int64")
                         .Input("values: sparse_types")
                         .Input("shapes: N * int64")
                         .Input("dense_inputs: dense_types")
                         .Input("sep: string")
                         .Output("output_indices: int64")
                         .Output("output_values: string")
                         .Output("output_shape: int64")
                         .ListLength("values", "N")  // TF's kernel requires len(sparse_types) == N
                         .Params<SparseCrossV2Params>()
                         .Attr("sparse_types: list(type)")
                         .Attr("dense_types: list(type)")
                         .ShapeRule(SparseCrossV2Shape)
                         .Kernel(SparseCrossV2Kernel));

}  // namespace opbridge
