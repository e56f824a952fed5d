// Unique: TF's tf.unique(x, out_idx): y holds x's distinct values in the order
// of their first occurrence, idx[i] is x[i]'s position in y. The converter
// leaves CUSTOM "Unique" {T, out_idx} for the dtypes TFLite's UNIQUE lacks
// (measured: string, float64, float16, bool, uint16, uint32, uint64); the
// other real dtypes are declared too, as TF's kernel (unique_op.cc) has them.
//
// Equality is TF's (first_seen.h): -0.0 and 0.0 are one float or double
// value (y keeps the first one's sign), half and bfloat16 keep them apart,
// every NaN is its own value.
#include <cstdint>
#include <limits>
#include <vector>

#include "unique_axis.h"

namespace opbridge {
namespace {

// The kernel is UniqueV2's single-element path (unique_axis.h): x as
// [1, n, 1].
template <typename Index>
Status UniqueIndex(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const int64_t n = x.num_elements();
  Index* idx = ctx.output(1).data<Index>();
  return unique::DispatchUnique(x.dtype(), [&](auto key_tag, auto in_tag) {
    using T = typename decltype(key_tag)::type;
    using In = typename decltype(in_tag)::type;
    const In* in = x.data<In>();
    const std::vector<int64_t> first = unique::UniqueSlices<T, Index>(in, 1, n, 1, idx);
    OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({static_cast<int64_t>(first.size())})));
    unique::CopySlices(in, 1, n, 1, first, ctx.output(0).data<In>());
    return Status::Ok();
  });
}

Status UniqueShape(ShapeContext& ctx) {
  const Shape& x = ctx.input(0);
  OPBRIDGE_REQUIRE(!x.rank_known() || x.rank() == 1, "unique expects a 1D vector. (input 'x' has shape ",
                   x.ToString(), ")");
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  ctx.set_output(1, x.rank_known() ? x : Shape({kUnknownDim}));
  return Status::Ok();
}

Status UniqueKernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_REQUIRE(x.num_elements() <= std::numeric_limits<int32_t>::max(),
                   "unique does not support input tensors larger than ", std::numeric_limits<int32_t>::max(),
                   " elements");
  OPBRIDGE_REQUIRE(x.rank() == 1, "unique expects a 1D vector. (input 'x' has shape ", x.shape().ToString(), ")");
  return Dispatch<int32_t, int64_t>(ctx.output(1).dtype(),
                                    [&](auto tag) { return UniqueIndex<typename decltype(tag)::type>(ctx); });
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("Unique")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The distinct values of a vector in order of first occurrence, and each element's "
                              "index among them (tf.unique).")
                         .Input("x: T")
                         .Output("y: T")
                         .Output("idx: out_idx")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, string}")
                         .Attr("out_idx: {int32, int64} = DT_INT32")
                         .ShapeRule(UniqueShape)
                         .Kernel(UniqueKernel));

}  // namespace opbridge
