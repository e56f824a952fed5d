// Unpack: TF's tf.unstack(value, axis) in float64 and string: the converter
// leaves CUSTOM "Unpack" {T, num, axis} for both, which TFLite's UNPACK lacks
// (measured by tools/census_float64.py and for tf.string). `num` outputs, each value's slice
// at one index of `axis` with that dim removed. TF's checks; exact copies.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <vector>

#include "split_rows.h"

namespace opbridge {
namespace {

struct UnpackParams {
  int64_t num = 0;
  int64_t axis = 0;

  static void Declare(ParamBinder& b, UnpackParams& p) {
    b.Attr("num: int >= 0", &p.num);
    b.Attr("axis: int = 0", &p.axis);
  }
};

Status Plan(const Shape& value, const UnpackParams& p, int* axis, std::vector<int64_t>* dims) {
  const int rank = value.rank();
  OPBRIDGE_REQUIRE(p.axis >= -rank && p.axis < rank, "axis = ", p.axis, " not in [", -rank, ", ", rank, ")");
  *axis = static_cast<int>(p.axis < 0 ? p.axis + rank : p.axis);
  OPBRIDGE_REQUIRE(value.dim(*axis) == kUnknownDim || value.dim(*axis) == p.num, "Input shape axis ", *axis,
                   " must equal ", p.num, ", got shape ", value.ToString());
  *dims = value.dims();
  dims->erase(dims->begin() + *axis);
  return Status::Ok();
}

Status UnpackShape(ShapeContext& ctx, const UnpackParams& p) {
  if (!ctx.input(0).rank_known()) {
    for (int64_t k = 0; k < p.num; ++k) ctx.set_output(static_cast<int>(k), Shape::UnknownRank());
    return Status::Ok();
  }
  int axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), p, &axis, &dims));
  for (int64_t k = 0; k < p.num; ++k) ctx.set_output(static_cast<int>(k), Shape(dims));
  array::ForwardInputIfSameSize(ctx, Shape(dims));  // num 1: output 0 is the input
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const UnpackParams& p) {
  const ConstTensor& value = ctx.input(0);
  int axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(value.shape(), p, &axis, &dims));
  OPBRIDGE_REQUIRE(ctx.num_outputs() == p.num, "the node has ", ctx.num_outputs(), " outputs, num is ", p.num);
  return array::CopyPieces(ctx, value, axis, std::vector<int64_t>(static_cast<size_t>(p.num), 1));
}

OPBRIDGE_REGISTER_OP(OpSpec("Unpack")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("value split into its slices along an axis, that dim removed (tf.unstack).")
                         .Input("value: T")
                         .Output("output: num * T")
                         .Attr("T: type")
                         .Params<UnpackParams>()
                         .MayForwardInput()
                         .ShapeRule(UnpackShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
