// Split: TF's tf.split(value, num_split, axis) in float64 and string: the
// converter leaves CUSTOM "Split" {T, num_split} for both, which TFLite's
// SPLIT lacks (measured by tools/census_float64.py and for tf.string). The axis (first input, a scalar)
// must be divisible by num_split; TF's checks and texts; exact copies.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <vector>

#include "split_rows.h"

namespace opbridge {
namespace {

struct SplitParams {
  int64_t num_split = 1;

  static void Declare(ParamBinder& b, SplitParams& p) { b.Attr("num_split: int >= 1", &p.num_split); }
};

Status Plan(const ConstTensor& split_dim, const Shape& value, int64_t num_split, int* axis,
            std::vector<int64_t>* dims) {
  OPBRIDGE_RETURN_IF_ERROR(array::ReadAxis(split_dim, value.rank(), "split_dim", axis));
  const int64_t n = value.dim(*axis);
  OPBRIDGE_REQUIRE(n == kUnknownDim || n % num_split == 0, "Number of ways to split should evenly divide the split "
                   "dimension, but got split_dim ", *axis, " (size = ", n, ") and num_split ", num_split);
  *dims = value.dims();
  if (n != kUnknownDim) (*dims)[static_cast<size_t>(*axis)] = n / num_split;
  return Status::Ok();
}

Status SplitShape(ShapeContext& ctx, const SplitParams& p) {
  const ConstTensor* split_dim = ctx.input_value(0);
  int axis = 0;
  std::vector<int64_t> dims;
  const bool known = split_dim != nullptr && ctx.input(1).rank_known();
  if (known) OPBRIDGE_RETURN_IF_ERROR(Plan(*split_dim, ctx.input(1), p.num_split, &axis, &dims));
  for (int64_t k = 0; k < p.num_split; ++k) {
    if (known) {
      ctx.set_output(static_cast<int>(k), Shape(dims));
    } else {
      ctx.set_output_dynamic(static_cast<int>(k));
    }
  }
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const SplitParams& p) {
  const ConstTensor& value = ctx.input(1);
  int axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), value.shape(), p.num_split, &axis, &dims));
  OPBRIDGE_REQUIRE(ctx.num_outputs() == p.num_split, "the node has ", ctx.num_outputs(), " outputs, num_split is ",
                   p.num_split);
  for (int k = 0; k < ctx.num_outputs(); ++k) {
    if (!ctx.output(k).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(k, Shape(dims)));
  }
  const int64_t piece = dims[static_cast<size_t>(axis)];
  return array::CopyPieces(ctx, value, axis, std::vector<int64_t>(static_cast<size_t>(p.num_split), piece));
}

OPBRIDGE_REGISTER_OP(OpSpec("Split")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("value split into num_split equal pieces along an axis (tf.split).")
                         .Input("split_dim: int32")
                         .Input("value: T")
                         .Output("output: num_split * T")
                         .Attr("T: type")
                         .Params<SplitParams>()
                         .ShapeRule(SplitShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
