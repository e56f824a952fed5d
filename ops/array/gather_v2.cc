// GatherV2: TF's gather along an axis (tf.gather), with batch_dims. The
// converter lowers it to the builtin GATHER except for dtypes the builtin
// lacks: float64 stays CUSTOM "GatherV2" {Tparams, Tindices, Taxis,
// batch_dims} (tf.signal.stft on float64 audio gathers its frames with it).
//
// Semantics follow TF's gather_op.cc: output shape params[:axis] +
// indices[batch_dims:] + params[axis+1:]; negative axis and batch_dims count
// from the end; an index outside [0, params.shape[axis]) is an error on CPU,
// named with its position. Elements are moved as bytes, so every fixed-size
// dtype works; strings (custom for tf.string when params has rank >= 2 or the
// axis is not 0, measured) are copied element by element.
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct GatherV2Params {
  int64_t batch_dims = 0;

  static void Declare(ParamBinder& b, GatherV2Params& p) { b.Attr("batch_dims: int = 0", &p.batch_dims); }
};

Status ReadAxis(const ConstTensor& t, int64_t* axis) {
  OPBRIDGE_REQUIRE(t.rank() == 0, "axis must be scalar, but got shape ", t.shape().ToString(),
                   " (input 'axis')");
  return Dispatch<int32_t, int64_t>(t.dtype(), [&](auto tag) {
    *axis = static_cast<int64_t>(*t.data<typename decltype(tag)::type>());
    return Status::Ok();
  });
}

// The canonical axis and batch_dims (TF's checks and texts) and the output shape.
Status Plan(const Shape& params, const Shape& indices, int64_t axis_value, int64_t batch_dims_value,
            int64_t* axis, int64_t* batch_dims, Shape* output) {
  OPBRIDGE_REQUIRE(params.rank() >= 1, "params must be at least 1 dimensional (input 'params' has shape ",
                   params.ToString(), ")");
  const int64_t r = params.rank();
  OPBRIDGE_REQUIRE(axis_value >= -r && axis_value < r, "Expected axis in the range [", -r, ", ", r,
                   "), but got ", axis_value);
  *axis = axis_value < 0 ? axis_value + r : axis_value;
  int64_t b = batch_dims_value;
  const int64_t ir = indices.rank();
  if (b != 0) {
    OPBRIDGE_REQUIRE(b >= -ir && b <= ir, "Expected batch_dims in the range [", -ir, ", ", ir,
                     "], but got ", b);
    if (b < 0) b += ir;
    OPBRIDGE_REQUIRE(b < r, "batch_dims (", b, ") must be less than rank(params) (", r, ").");
    OPBRIDGE_REQUIRE(b <= *axis, "batch_dims (", b, ") must be less than or equal to axis (", *axis, ").");
    for (int i = 0; i < b; ++i) {
      const int64_t pd = params.dim(i), id = indices.dim(i);
      OPBRIDGE_REQUIRE(pd < 0 || id < 0 || pd == id, "params.shape[", i, "]: ", pd,
                       " should be equal to indices.shape[", i, "]: ", id);
    }
  }
  *batch_dims = b;
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < *axis; ++i) dims.push_back(params.dim(static_cast<int>(i)));
  for (int64_t i = b; i < ir; ++i) dims.push_back(indices.dim(static_cast<int>(i)));
  for (int64_t i = *axis + 1; i < r; ++i) dims.push_back(params.dim(static_cast<int>(i)));
  *output = Shape(std::move(dims));
  return Status::Ok();
}

Status GatherV2Shape(ShapeContext& ctx, const GatherV2Params& p) {
  const ConstTensor* axis_t = ctx.input_value(2);
  if (axis_t == nullptr || !ctx.input(0).rank_known() || !ctx.input(1).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  int64_t axis_value = 0, axis = 0, batch_dims = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadAxis(*axis_t, &axis_value));
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), ctx.input(1), axis_value, p.batch_dims, &axis, &batch_dims, &output));
  ctx.set_output(0, output);
  return Status::Ok();
}

// TF's message names the index by its position in `indices` ("indices[1,0] = 7").
std::string Position(const Shape& shape, int64_t flat) {
  std::vector<int64_t> index(static_cast<size_t>(shape.rank()));
  for (int d = shape.rank() - 1; d >= 0; --d) {
    index[static_cast<size_t>(d)] = flat % shape.dim(d);
    flat /= shape.dim(d);
  }
  std::string out;
  for (size_t i = 0; i < index.size(); ++i) out += (i ? "," : "") + std::to_string(index[i]);
  return out;
}

template <typename Index>
Status Gather(KernelContext& ctx, int64_t axis, int64_t batch_dims) {
  const ConstTensor& params = ctx.input(0);
  const ConstTensor& indices = ctx.input(1);
  const Index* idx = indices.data<Index>();
  // params as [batch, outer, limit, inner]; indices as [batch, per_batch].
  int64_t batch = 1, outer = 1, inner = 1;
  for (int d = 0; d < batch_dims; ++d) batch *= params.dim(d);
  for (int64_t d = batch_dims; d < axis; ++d) outer *= params.dim(static_cast<int>(d));
  for (int d = static_cast<int>(axis) + 1; d < params.rank(); ++d) inner *= params.dim(d);
  const int64_t limit = params.dim(static_cast<int>(axis));
  const int64_t count = indices.num_elements();
  const int64_t per_batch = batch == 0 ? 0 : count / batch;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t v = static_cast<int64_t>(idx[i]);
    OPBRIDGE_REQUIRE(v >= 0 && v < limit, "indices[", Position(indices.shape(), i), "] = ", v,
                     " is not in [0, ", limit, ")");
  }
  const int64_t rows = batch * outer * per_batch;
  // The source row of output row r = (b, o, j).
  auto source = [&](int64_t r) {
    const int64_t j = r % per_batch;
    const int64_t bo = r / per_batch;
    return bo * limit + static_cast<int64_t>(idx[bo / outer * per_batch + j]);
  };
  if (inner == 0) return Status::Ok();  // empty rows: nothing to copy (and no data pointers to copy from)
  if (params.dtype() == DType::kString) {  // views of the input's strings, copied once by the adapter
    const std::string_view* in = params.data<std::string_view>();
    std::string_view* out = ctx.output(0).data<std::string_view>();
    for (int64_t r = 0; r < rows; ++r) std::copy(in + source(r) * inner, in + (source(r) + 1) * inner, out + r * inner);
    return Status::Ok();
  }
  const int64_t row = inner * DTypeSize(params.dtype());
  const char* in = params.data<char>();
  auto* out = ctx.output(0).data<char>();
  ctx.ParallelFor(rows, row / 4 + 10, [&](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      std::memcpy(out + r * row, in + source(r) * row, static_cast<size_t>(row));
    }
  });
  return Status::Ok();
}

Status GatherV2Kernel(KernelContext& ctx, const GatherV2Params& p) {
  const ConstTensor& params = ctx.input(0);
  const ConstTensor& indices = ctx.input(1);
  int64_t axis_value = 0, axis = 0, batch_dims = 0;
  OPBRIDGE_RETURN_IF_ERROR(ReadAxis(ctx.input(2), &axis_value));
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(Plan(params.shape(), indices.shape(), axis_value, p.batch_dims, &axis, &batch_dims,
                                &output));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, output));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == output.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", output.ToString());
  OPBRIDGE_REQUIRE(DTypeSize(params.dtype()) > 0 || params.dtype() == DType::kString, "dtype ",
                   DTypeName(params.dtype()), " cannot be gathered");
  // TF checks every index even when params has no elements to copy.
  if (indices.num_elements() == 0) return Status::Ok();
  return Dispatch<int16_t, int32_t, int64_t>(indices.dtype(), [&](auto tag) {
    return Gather<typename decltype(tag)::type>(ctx, axis, batch_dims);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("GatherV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Gather along an axis with batch_dims (tf.gather); the custom op the converter "
                              "leaves for float64 (tf.signal.stft's framing on float64 audio).")
                         .Input("params: Tparams")
                         .Input("indices: Tindices")
                         .Input("axis: Taxis")
                         .Output("output: Tparams")
                         .Params<GatherV2Params>()
                         .Attr("Tparams: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, "
                               "uint16, uint32, uint64, bool, complex64, complex128, string}")
                         .Attr("Tindices: {int16, int32, int64}")
                         .Attr("Taxis: {int32, int64}")
                         .ShapeRule(GatherV2Shape)
                         .Kernel(GatherV2Kernel));

}  // namespace
}  // namespace opbridge
