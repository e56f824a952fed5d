// SplitV: TF's tf.split(value, size_splits, axis) in float64: the converter
// leaves CUSTOM "SplitV" {T, Tlen, num_split} for double, which TFLite's
// SPLIT_V lacks (measured by tools/census_float64.py), and for string. At
// most one size is -1 (the rest of the dim); the sizes must add up to the
// dim. TF's checks and texts; exact copies.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <vector>

#include "index_vector.h"
#include "split_rows.h"

namespace opbridge {
namespace {

struct SplitVParams {
  int64_t num_split = 1;

  static void Declare(ParamBinder& b, SplitVParams& p) { b.Attr("num_split: int >= 1", &p.num_split); }
};

Status Plan(const Shape& value, const ConstTensor& sizes_t, const ConstTensor& split_dim, int64_t num_split,
            int* axis, std::vector<int64_t>* sizes) {
  OPBRIDGE_RETURN_IF_ERROR(array::ReadAxis(split_dim, value.rank(), "split_dim", axis));
  OPBRIDGE_REQUIRE(sizes_t.rank() == 1 && sizes_t.num_elements() == num_split,
                   "size_splits must be a vector of num_split = ", num_split, " sizes, got shape ",
                   sizes_t.shape().ToString());
  *sizes = sizes_t.dtype() == DType::kInt8 ? std::vector<int64_t>(sizes_t.data<int8_t>(),
                                                                  sizes_t.data<int8_t>() + num_split)
                                           : array::ReadIndices(sizes_t);
  const int64_t n = value.dim(*axis);
  int64_t known = 0, unknown = -1;
  for (size_t k = 0; k < sizes->size(); ++k) {
    const int64_t s = (*sizes)[k];
    if (s == -1) {
      OPBRIDGE_REQUIRE(unknown == -1, "There can only be one -1 in the input.");
      unknown = static_cast<int64_t>(k);
    } else {
      OPBRIDGE_REQUIRE(s >= 0, "Split size at index ", k, " must be >= 0. Got: ", s);
      known += s;
    }
  }
  OPBRIDGE_REQUIRE((unknown == -1 && known == n) || (unknown != -1 && known <= n),
                   "Determined shape must either match input shape along split_dim exactly if fully specified, or "
                   "be less than the size of the input along split_dim if not fully specified.  Got: ", known);
  if (unknown != -1) (*sizes)[static_cast<size_t>(unknown)] = n - known;
  return Status::Ok();
}

Status SplitVShape(ShapeContext& ctx, const SplitVParams& p) {
  for (int64_t k = 0; k < p.num_split; ++k) ctx.set_output_dynamic(static_cast<int>(k));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx, const SplitVParams& p) {
  const ConstTensor& value = ctx.input(0);
  int axis = 0;
  std::vector<int64_t> sizes;
  OPBRIDGE_RETURN_IF_ERROR(Plan(value.shape(), ctx.input(1), ctx.input(2), p.num_split, &axis, &sizes));
  OPBRIDGE_REQUIRE(ctx.num_outputs() == p.num_split, "the node has ", ctx.num_outputs(), " outputs, num_split is ",
                   p.num_split);
  for (int k = 0; k < ctx.num_outputs(); ++k) {
    std::vector<int64_t> dims = value.shape().dims();
    dims[static_cast<size_t>(axis)] = sizes[static_cast<size_t>(k)];
    if (!ctx.output(k).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(k, Shape(dims)));
    OPBRIDGE_REQUIRE(ctx.output(k).shape().dims() == dims, "output ", k, " has shape ",
                     ctx.output(k).shape().ToString(), ", expected ", Shape(dims).ToString());
  }
  return array::CopyPieces(ctx, value, axis, sizes);
}

OPBRIDGE_REGISTER_OP(OpSpec("SplitV")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("value split into pieces of the given sizes along an axis (tf.split).")
                         .Input("value: T")
                         .Input("size_splits: Tlen")
                         .Input("split_dim: int32")
                         .Output("output: num_split * T")
                         .Attr("T: type")
                         .Attr("Tlen: {int8, int32, int64} = DT_INT64")
                         .Params<SplitVParams>()
                         .ShapeRule(SplitVShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
