// Fill: TF's tensor of shape `dims` filled with `value` (tf.fill) in every
// dtype TF's CPU kernel takes (quantized ones aside): the converter leaves
// CUSTOM "Fill" {T, index_type} for float64, half, bfloat16, uint16 and uint64,
// which TFLite's FILL lacks (measured by tools/census_float64.py and
// tests/test_parity_integer_reductions.py; int8, int16, uint8 and uint32
// become BROADCAST_TO), and the others stay for models that carry them
// custom. TF's checks: dims a vector of non-negative sizes, value a scalar.
// The value is copied as a raw element of its size (array::ForElements).
#include <algorithm>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Plan(const ConstTensor& dims_t, const Shape& value, std::vector<int64_t>* dims) {
  OPBRIDGE_REQUIRE(dims_t.rank() == 1, "dims must represent a vector, got shape ", dims_t.shape().ToString());
  OPBRIDGE_REQUIRE(!value.rank_known() || value.rank() == 0, "value must represent a scalar, got shape ",
                   value.ToString());
  *dims = array::ReadIndices(dims_t);
  for (const int64_t d : *dims) OPBRIDGE_REQUIRE(d >= 0, "Dimension ", d, " must be >= 0");
  return array::CheckOutputSize(*dims);
}

Status FillShape(ShapeContext& ctx) {
  const ConstTensor* dims_t = ctx.input_value(0);
  if (dims_t == nullptr) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(*dims_t, ctx.input(1), &dims));
  ctx.set_output(0, Shape(dims));
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  std::vector<int64_t> dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), ctx.input(1).shape(), &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  return array::ForElements(ctx.input(1).dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In value = ctx.input(1).data<In>()[0];  // bytes (no alignment assumed) or a string's view
    Out* out = y.data<Out>();
    std::fill(out, out + y.num_elements(), value);
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Fill")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A tensor of the given shape filled with a scalar (tf.fill).")
                         .Input("dims: index_type")
                         .Input("value: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64, uint8, uint16, uint32, "
                               "uint64, bool, complex64, complex128, string}")
                         .Attr("index_type: {int32, int64} = DT_INT32")
                         .ShapeRule(FillShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
