// SparseToSparseSetOperation: tf.sets.intersection/union/difference of two
// SparseTensors, per group of all but the last dimension. TFLite has no
// kernel. The walk (a merge of both inputs' runs by their group indices),
// checks and output: set_operation.h.
#include <vector>

#include "opbridge/op.h"
#include "set_operation.h"

namespace opbridge {
namespace {

using sets::SetOpParams;

// TF's CompareGroups: the run sequences' order, row-major on group indices
// (compared, not subtracted as TF does: no overflow on hostile indices).
int CompareKeys(const int64_t* a, const int64_t* b, int n) {
  for (int i = 0; i < n; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

template <typename E>
Status SparseToSparse(KernelContext& ctx, const SetOpParams& p) {
  sets::SparseSet sa, sb;
  OPBRIDGE_RETURN_IF_ERROR(sets::ReadSparse(ctx, 0, p.validate_indices, &sa));
  OPBRIDGE_RETURN_IF_ERROR(sets::ReadSparse(ctx, 3, p.validate_indices, &sb));
  std::vector<int64_t> group_shape;
  OPBRIDGE_RETURN_IF_ERROR(sets::GroupShapeFromInputs(sa.shape, sb.shape, &group_shape));
  const int group_rank = static_cast<int>(group_shape.size());
  const E* va = ctx.input(1).data<E>();
  const E* vb = ctx.input(4).data<E>();
  const sets::SetOp op = p.op();
  sets::Results<E> results;
  results.group_rank = group_rank;
  sets::Scratch<E> scratch;
  size_t ra = 0, rb = 0;
  const size_t runs_a = sa.run_begin.size() - 1, runs_b = sb.run_begin.size() - 1;
  while (ra < runs_a || rb < runs_b) {
    int order = 0;
    if (ra == runs_a) {
      order = 1;
    } else if (rb == runs_b) {
      order = -1;
    } else {
      order = CompareKeys(sa.row(sa.run_begin[ra]), sb.row(sb.run_begin[rb]), group_rank);
    }
    const int64_t* key = nullptr;
    const E* a = nullptr;
    const E* b = nullptr;
    int64_t na = 0, nb = 0;
    if (order <= 0) OPBRIDGE_RETURN_IF_ERROR(sets::TakeRun(sa, va, ra++, &a, &na, &key));
    if (order >= 0) OPBRIDGE_RETURN_IF_ERROR(sets::TakeRun(sb, vb, rb++, &b, &nb, &key));
    sets::AddResult(op, a, na, b, nb, key, &scratch, &results);
  }
  return sets::WriteResults(ctx, results, group_shape);
}

Status SparseToSparseKernel(KernelContext& ctx, const SetOpParams& p) {
  return sets::DispatchSetType(ctx.input(1).dtype(), [&](auto tag) {
    return SparseToSparse<typename decltype(tag)::type>(ctx, p);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SparseToSparseSetOperation")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Set operation along the last dimension of two SparseTensors (tf.sets).")
                         .Input("set1_indices: int64")
                         .Input("set1_values: T")
                         .Input("set1_shape: int64")
                         .Input("set2_indices: int64")
                         .Input("set2_values: T")
                         .Input("set2_shape: int64")
                         .Output("result_indices: int64")
                         .Output("result_values: T")
                         .Output("result_shape: int64")
                         .Params<SetOpParams>()
                         .Attr(sets::kSetTypes)
                         .ShapeRule(sets::SetShapeRule)
                         .Kernel(SparseToSparseKernel));

}  // namespace opbridge
