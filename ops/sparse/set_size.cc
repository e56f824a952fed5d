// SetSize: tf.sets.size, the number of distinct values in each set of a
// SparseTensor (the entries sharing all but their last index), 0 for groups
// without entries; int32 of the shape without its last dimension. TFLite has
// no kernel. Reading, checks and runs: set_operation.h. A run of entries
// sets its group's count, so with validate_indices=false a group split into
// several runs gets the last run's count, as in TF.
//
// One deviation: with validate_indices=false a negative group index makes
// TF's kernel write outside its output (undefined behaviour); we refuse it.
#include <algorithm>
#include <vector>

#include "opbridge/op.h"
#include "set_operation.h"

namespace opbridge {
namespace {

struct SetSizeParams {
  bool validate_indices = true;

  static void Declare(ParamBinder& b, SetSizeParams& p) {
    b.Attr("validate_indices: bool = true", &p.validate_indices);
  }
};

Status SetSizeShape(ShapeContext& ctx, const SetSizeParams&) {
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

template <typename E>
Status SetSize(KernelContext& ctx, const SetSizeParams& p) {
  sets::SparseSet s;
  OPBRIDGE_RETURN_IF_ERROR(sets::ReadSparse(ctx, 0, p.validate_indices, &s));
  std::vector<int64_t> group_shape;
  OPBRIDGE_RETURN_IF_ERROR(sets::GroupShape(s.shape, &group_shape));
  const int group_rank = static_cast<int>(group_shape.size());
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(group_shape)));
  int32_t* out = ctx.output(0).data<int32_t>();
  int64_t groups = 1;
  for (const int64_t d : group_shape) groups *= d;
  std::fill(out, out + groups, 0);
  const E* values = ctx.input(1).data<E>();
  sets::GroupHash<E> set;
  for (size_t r = 0; r + 1 < s.run_begin.size(); ++r) {
    const int64_t begin = s.run_begin[r], end = s.run_begin[r + 1];
    OPBRIDGE_RETURN_IF_ERROR(sets::CheckRun(s, begin, end));
    const int64_t* key = s.row(begin);
    int64_t flat = 0;
    for (int d = 0; d < group_rank; ++d) {
      OPBRIDGE_REQUIRE(key[d] >= 0, "input 'set_indices': indices[", begin, ", ", d, "] = ", key[d],
                       " is negative (validate_indices is false; TF would write outside its output)");
      flat = flat * group_shape[static_cast<size_t>(d)] + key[d];
    }
    set.Reset(end - begin);
    for (int64_t i = begin; i < end; ++i) set.Insert(values[i]);
    out[flat] = static_cast<int32_t>(set.size());
  }
  return Status::Ok();
}

Status SetSizeKernel(KernelContext& ctx, const SetSizeParams& p) {
  return sets::DispatchSetType(ctx.input(1).dtype(), [&](auto tag) {
    return SetSize<typename decltype(tag)::type>(ctx, p);
  });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("SetSize")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Number of distinct values in each set (last dimension) of a SparseTensor (tf.sets.size).")
                         .Input("set_indices: int64")
                         .Input("set_values: T")
                         .Input("set_shape: int64")
                         .Output("size: int32")
                         .Params<SetSizeParams>()
                         .Attr(sets::kSetTypes)
                         .ShapeRule(SetSizeShape)
                         .Kernel(SetSizeKernel));

}  // namespace opbridge
