// BroadcastTo: TF's input broadcast to `shape` (tf.broadcast_to) in float64:
// the converter leaves CUSTOM "BroadcastTo" {T, Tidx} for double, which
// TFLite's BROADCAST_TO lacks (measured by tools/census_float64.py), and for
// string (measured on tf.function(string input); array::ForElements). numpy's
// rules, one way (input dims are 1 or equal to the target's); TF's text.
// Elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Check(const Shape& input, const std::vector<int64_t>& target) {
  const int rank = static_cast<int>(target.size());
  bool ok = input.rank() <= rank;
  for (int i = 0; ok && i < input.rank(); ++i) {
    const int64_t d = input.dim(input.rank() - 1 - i), t = target[static_cast<size_t>(rank - 1 - i)];
    ok = d == 1 || d == t || d == kUnknownDim;
  }
  for (const int64_t t : target) ok = ok && t >= 0;
  OPBRIDGE_REQUIRE(ok, "Unable to broadcast tensor of shape ", input.ToString(), " to tensor of shape ",
                   Shape(target).ToString());
  return array::CheckOutputSize(target);
}

Status BroadcastToShape(ShapeContext& ctx) {
  const ConstTensor* shape = ctx.input_value(1);
  if (shape == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  const std::vector<int64_t> target = array::ReadIndices(*shape);
  OPBRIDGE_RETURN_IF_ERROR(Check(ctx.input(0), target));
  const Shape out(target);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_REQUIRE(ctx.input(1).rank() == 1, "shape must be a vector, got ", ctx.input(1).shape().ToString());
  const std::vector<int64_t> target = array::ReadIndices(ctx.input(1));
  OPBRIDGE_RETURN_IF_ERROR(Check(x.shape(), target));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(target)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == target, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(target).ToString());
  // The input's strides aligned to the target's dims, 0 where it is broadcast.
  const size_t rank = target.size(), lead = rank - static_cast<size_t>(x.rank());
  const std::vector<int64_t> own = array::Strides(x.shape().dims());
  std::vector<int64_t> strides(rank, 0);
  for (size_t d = lead; d < rank; ++d) strides[d] = x.dim(static_cast<int>(d - lead)) == 1 ? 0 : own[d - lead];
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = x.data<In>();
    Out* out = y.data<Out>();
    array::ParallelForElements<Out>(ctx, y.num_elements(), 1, [&](int64_t lo, int64_t hi) {
      array::ForEachOutput(
          target, strides, lo, hi, [](size_t, int64_t c) { return c; },
          [&](int64_t o, int64_t i) { out[o] = in[i]; });
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("BroadcastTo")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input broadcast to the given shape, numpy's rules (tf.broadcast_to).")
                         .Input("input: T")
                         .Input("shape: Tidx")
                         .Output("output: T")
                         .Attr("T: type")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .MayForwardInput()
                         .ShapeRule(BroadcastToShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
