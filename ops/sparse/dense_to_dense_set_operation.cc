// DenseToDenseSetOperation: tf.sets.intersection/union/difference of two
// dense tensors, per group of all but the last dimension (the last dimension
// is the set). The result is a SparseTensor whose last dimension holds each
// group's sorted result. TFLite has no kernel. Shared walk, checks and
// output: set_operation.h.
#include <vector>

#include "opbridge/op.h"
#include "set_operation.h"

namespace opbridge {
namespace {

using sets::SetOpParams;

template <typename E>
Status DenseToDense(KernelContext& ctx, const SetOpParams& p) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  std::vector<int64_t> group_shape;
  OPBRIDGE_RETURN_IF_ERROR(sets::GroupShapeFromInputs(sets::DimsOf(a), sets::DimsOf(b), &group_shape));
  const int group_rank = static_cast<int>(group_shape.size());
  const int64_t width_a = a.dim(a.rank() - 1), width_b = b.dim(b.rank() - 1);
  int64_t groups = 1;
  for (const int64_t d : group_shape) groups *= d;
  const E* va = a.data<E>();
  const E* vb = b.data<E>();
  const sets::SetOp op = p.op();
  sets::Results<E> results;
  results.group_rank = group_rank;
  sets::Scratch<E> scratch;
  std::vector<int64_t> key(static_cast<size_t>(group_rank), 0);
  for (int64_t g = 0; g < groups; ++g) {
    sets::AddResult(op, va + g * width_a, width_a, vb + g * width_b, width_b, key.data(), &scratch, &results);
    sets::NextGroupKey(group_shape, &key);
  }
  return sets::WriteResults(ctx, results, group_shape);
}

Status DenseToDenseKernel(KernelContext& ctx, const SetOpParams& p) {
  return sets::DispatchSetType(ctx.input(0).dtype(), [&](auto tag) {
    return DenseToDense<typename decltype(tag)::type>(ctx, p);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("DenseToDenseSetOperation")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Set operation along the last dimension of two dense tensors (tf.sets).")
                         .Input("set1: T")
                         .Input("set2: T")
                         .Output("result_indices: int64")
                         .Output("result_values: T")
                         .Output("result_shape: int64")
                         .Params<SetOpParams>()
                         .Attr(sets::kSetTypes)
                         .ShapeRule(sets::SetShapeRule)
                         .Kernel(DenseToDenseKernel));

}  // namespace opbridge
