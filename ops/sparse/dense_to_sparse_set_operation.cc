// DenseToSparseSetOperation: tf.sets.intersection/union/difference of a
// dense tensor and a SparseTensor (tf.sets puts the dense one first and flips
// a-b / b-a), per group of all but the last dimension. TFLite has no kernel.
// The walk (the dense groups in order, the next sparse run taken when its
// group indices match), checks and output: set_operation.h.
#include <algorithm>
#include <vector>

#include "opbridge/op.h"
#include "set_operation.h"

namespace opbridge {
namespace {

using sets::SetOpParams;

template <typename E>
Status DenseToSparse(KernelContext& ctx, const SetOpParams& p) {
  const ConstTensor& a = ctx.input(0);
  sets::SparseSet sb;
  OPBRIDGE_RETURN_IF_ERROR(sets::ReadSparse(ctx, 1, p.validate_indices, &sb));
  std::vector<int64_t> group_shape;
  OPBRIDGE_RETURN_IF_ERROR(sets::GroupShapeFromInputs(sets::DimsOf(a), sb.shape, &group_shape));
  const int group_rank = static_cast<int>(group_shape.size());
  const int64_t width_a = a.dim(a.rank() - 1);
  int64_t groups = 1;
  for (const int64_t d : group_shape) groups *= d;
  const E* va = a.data<E>();
  const E* vb = ctx.input(2).data<E>();
  const sets::SetOp op = p.op();
  sets::Results<E> results;
  results.group_rank = group_rank;
  sets::Scratch<E> scratch;
  std::vector<int64_t> key(static_cast<size_t>(group_rank), 0);
  size_t run = 0;
  const size_t runs = sb.run_begin.size() - 1;
  for (int64_t g = 0; g < groups; ++g) {
    const E* b = nullptr;
    int64_t nb = 0;
    if (run < runs && std::equal(key.begin(), key.end(), sb.row(sb.run_begin[run]))) {
      const int64_t* run_key = nullptr;
      OPBRIDGE_RETURN_IF_ERROR(sets::TakeRun(sb, vb, run, &b, &nb, &run_key));
      ++run;
    }
    sets::AddResult(op, va + g * width_a, width_a, b, nb, key.data(), &scratch, &results);
    sets::NextGroupKey(group_shape, &key);
  }
  return sets::WriteResults(ctx, results, group_shape);
}

Status DenseToSparseKernel(KernelContext& ctx, const SetOpParams& p) {
  return sets::DispatchSetType(ctx.input(0).dtype(), [&](auto tag) {
    return DenseToSparse<typename decltype(tag)::type>(ctx, p);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DenseToSparseSetOperation")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Set operation along the last dimension of a dense tensor and a SparseTensor (tf.sets).")
                         .Input("set1: T")
                         .Input("set2_indices: int64")
                         .Input("set2_values: T")
                         .Input("set2_shape: int64")
                         .Output("result_indices: int64")
                         .Output("result_values: T")
                         .Output("result_shape: int64")
                         .Params<SetOpParams>()
                         .Attr(sets::kSetTypes)
                         .ShapeRule(sets::SetShapeRule)
                         .Kernel(DenseToSparseKernel));

}  // namespace opbridge
