// ConcatV2: TF's tf.concat(values, axis) in float64 and complex: the converter
// leaves CUSTOM "ConcatV2" {N, T, Tidx} for the dtypes TFLite's CONCATENATION
// lacks (measured by tools/census_float64.py), string included (measured on
// tf.function(string input); array::ForElements). Its list input comes first
// (`values: N * T`, then `axis`), as in TF's op def. TF's checks and texts
// (concat_op.cc); elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status ReadAxis(const ConstTensor& axis_t, int64_t* axis) {
  OPBRIDGE_REQUIRE(axis_t.rank() == 0, "Concat dim tensor should be a scalar, but got shape ",
                   axis_t.shape().ToString());
  *axis = axis_t.dtype() == DType::kInt64 ? axis_t.data<int64_t>()[0] : axis_t.data<int32_t>()[0];
  return Status::Ok();
}

// The output dims for inputs of shapes `shapes` (unknown dims allowed: then
// the output's dim is unknown, and checked when known).
Status Plan(const std::vector<Shape>& shapes, int64_t axis_value, int64_t* axis, std::vector<int64_t>* dims) {
  const Shape& first = shapes[0];
  const int rank = first.rank();
  *axis = axis_value < 0 ? axis_value + rank : axis_value;
  OPBRIDGE_REQUIRE(*axis >= 0 && *axis < rank, "ConcatOp : Expected concatenating dimensions in the range [",
                   -rank, ", ", rank, "), but got ", axis_value);
  *dims = first.dims();
  for (size_t i = 1; i < shapes.size(); ++i) {
    const Shape& s = shapes[i];
    OPBRIDGE_REQUIRE(s.rank() == rank, "ConcatOp : Ranks of all input tensors should match: shape[0] = ",
                     first.ToString(), " vs. shape[", i, "] = ", s.ToString());
    for (int d = 0; d < rank; ++d) {
      int64_t& out = (*dims)[static_cast<size_t>(d)];
      const int64_t in = s.dim(d);
      if (d == *axis) {
        out = (out == kUnknownDim || in == kUnknownDim) ? kUnknownDim : out + in;
      } else if (out == kUnknownDim) {
        out = in;
      } else {
        OPBRIDGE_REQUIRE(in == kUnknownDim || in == out, "ConcatOp : Dimension ", d,
                         " in both shapes must be equal: shape[0] = ", first.ToString(), " vs. shape[", i,
                         "] = ", s.ToString());
      }
    }
  }
  return Status::Ok();
}

Status ConcatShape(ShapeContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  const ConstTensor* axis_t = ctx.input_value(n);
  std::vector<Shape> shapes;
  for (int i = 0; i < n; ++i) {
    if (!ctx.input(i).rank_known()) {
      ctx.set_output_dynamic(0);
      return Status::Ok();
    }
    shapes.push_back(ctx.input(i));
  }
  if (axis_t == nullptr) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  int64_t axis_value = 0, axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(ReadAxis(*axis_t, &axis_value));
  OPBRIDGE_RETURN_IF_ERROR(Plan(shapes, axis_value, &axis, &dims));
  const Shape out(dims);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const int n = ctx.num_inputs() - 1;
  std::vector<Shape> shapes;
  for (int i = 0; i < n; ++i) shapes.push_back(ctx.input(i).shape());
  int64_t axis_value = 0, axis = 0;
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(ReadAxis(ctx.input(n), &axis_value));
  OPBRIDGE_RETURN_IF_ERROR(Plan(shapes, axis_value, &axis, &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  // Every tensor is `outer` rows; output row j is input 0's row j, then
  // input 1's, ... (each input's row is its dims from `axis` on).
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= dims[static_cast<size_t>(d)];
  std::vector<int64_t> row(static_cast<size_t>(n));
  int64_t out_row = 0;
  for (int i = 0; i < n; ++i) {
    row[static_cast<size_t>(i)] = outer == 0 ? 0 : ctx.input(i).num_elements() / outer;
    out_row += row[static_cast<size_t>(i)];
  }
  if (y.num_elements() == 0) return Status::Ok();
  return array::ForElements(y.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    Out* out = y.data<Out>();
    const auto copy_rows = [&](int64_t lo, int64_t hi) {
      for (int64_t j = lo; j < hi; ++j) {
        Out* dst = out + j * out_row;
        for (int i = 0; i < n; ++i) {
          const int64_t width = row[static_cast<size_t>(i)];
          const In* src = ctx.input(i).data<In>() + j * width;
          for (int64_t k = 0; k < width; ++k) dst[k] = src[k];
          dst += width;
        }
      }
    };
    array::ParallelForElements<Out>(ctx, outer, out_row + 1, copy_rows);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("ConcatV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("N tensors joined along an existing dim (tf.concat).")
                         .Input("values: N * T")
                         .Input("axis: Tidx")
                         .Output("output: T")
                         .Attr("N: int >= 2")
                         .Attr("T: type")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .MayForwardInput()
                         .ShapeRule(ConcatShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
