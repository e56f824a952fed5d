// ReduceJoin: tf.strings.reduce_join, joining strings along axes (keras-hub's
// BPE tokenizer; TextVectorization's ngram output). As TF's kernel
// (reduce_join_op.cc):
// - reduction_indices (int32, any shape, read flat): each in [-rank, rank)
//   (OutOfRange "Invalid reduction dimension") and not repeated
//   ("Duplicate reduction dimension"); none at all leaves every element
//   joined alone;
// - the join order follows the axes as given, the FIRST listed axis varying
//   fastest (axes [0, 1] of [[a, b], [c, d]] give "a c b d"; [1, 0] give
//   "a b c d"; tf.strings.reduce_join(axis=None) passes [rank-1, ..., 0]);
// - keep_dims keeps reduced axes as 1; an empty reduced axis gives "";
// - the separator is used whole (NUL bytes included).
// The output's shape depends on the axes' values: it is allocated at run time.
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"
#include "string_outputs.h"

namespace opbridge {
namespace {

struct ReduceJoinParams {
  bool keep_dims = false;
  std::string separator;

  static void Declare(ParamBinder& b, ReduceJoinParams& p) {
    b.Attr("keep_dims: bool = false", &p.keep_dims);
    b.Attr("separator: string = ''", &p.separator);
  }
};

Status ReduceJoinShape(ShapeContext& ctx) {
  ctx.set_output(0, Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// The flat offset of linear index `index` over `dims` (the last fastest),
// the other dims at 0.
int64_t Offset(int64_t index, const std::vector<int>& dims, const Shape& shape, const std::vector<int64_t>& strides) {
  int64_t offset = 0;
  for (size_t k = dims.size(); k-- > 0;) {
    const int64_t size = shape.dim(dims[k]);
    offset += strides[static_cast<size_t>(dims[k])] * (index % size);
    index /= size;
  }
  return offset;
}

Status ReduceJoinKernel(KernelContext& ctx, const ReduceJoinParams& p) {
  const ConstTensor& input = ctx.input(0);
  const Shape& shape = input.shape();
  const int rank = input.rank();
  const ConstTensor& axes_t = ctx.input(1);
  const int32_t* axes = axes_t.data<int32_t>();
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  std::vector<int> reduced_dims;  // the axes in reverse order: the first given varies fastest
  for (int64_t i = 0; i < axes_t.num_elements(); ++i) {
    const int32_t axis = axes[i];
    OPBRIDGE_REQUIRE(axis >= -rank && axis < rank, "Invalid reduction dimension ", axis, " for input with ", rank,
                     " dimension(s)");
    const int dim = axis < 0 ? axis + rank : axis;
    OPBRIDGE_REQUIRE(!reduced[static_cast<size_t>(dim)], "Duplicate reduction dimension ", axis);
    reduced[static_cast<size_t>(dim)] = true;
  }
  for (int64_t i = axes_t.num_elements(); i-- > 0;) reduced_dims.push_back(axes[i] < 0 ? axes[i] + rank : axes[i]);
  std::vector<int> kept_dims;
  std::vector<int64_t> out_dims;
  int64_t group = 1;  // strings joined per output
  for (int d = 0; d < rank; ++d) {
    if (reduced[static_cast<size_t>(d)]) {
      group *= shape.dim(d);
      if (p.keep_dims) out_dims.push_back(1);
    } else {
      kept_dims.push_back(d);
      out_dims.push_back(shape.dim(d));
    }
  }
  std::vector<int64_t> strides(static_cast<size_t>(rank), 1);
  for (int d = rank - 1; d > 0; --d) strides[static_cast<size_t>(d - 1)] = strides[static_cast<size_t>(d)] * shape.dim(d);
  const Shape out_shape(out_dims);
  const int64_t count = out_shape.num_elements();

  // Every input string lands in one output (none when an axis is empty).
  const std::string_view* in = input.data<std::string_view>();
  uint64_t bytes = 0;
  if (group > 0) {
    for (int64_t i = 0; i < input.num_elements(); ++i) bytes += in[i].size();
    bytes = strings::SaturatingAdd(
        bytes, strings::SaturatingMul(p.separator.size(), strings::SaturatingMul(count, group - 1)));
  }
  OPBRIDGE_RETURN_IF_ERROR(strings::CheckStringOutput("output", static_cast<uint64_t>(count), bytes));
  OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  std::string* out = ctx.output(0).data<std::string>();
  for (int64_t o = 0; o < count; ++o) {
    const int64_t base = Offset(o, kept_dims, shape, strides);
    for (int64_t r = 0; r < group; ++r) {
      if (r > 0) out[o].append(p.separator);
      out[o].append(in[base + Offset(r, reduced_dims, shape, strides)]);
    }
  }
  return Status::Ok();
}

}  // namespace

OPBRIDGE_REGISTER_OP(OpSpec("ReduceJoin")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Joins strings along the given axes with a separator (tf.strings.reduce_join).")
                         .Input("inputs: string")
                         .Input("reduction_indices: int32")
                         .Output("output: string")
                         .Params<ReduceJoinParams>()
                         .ShapeRule(ReduceJoinShape)
                         .Kernel(ReduceJoinKernel));

}  // namespace opbridge
