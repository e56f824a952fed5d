// Fill: TF's tensor of shape `dims` filled with `value` (tf.fill) in float64, half and bfloat16:
// the converter leaves CUSTOM "Fill" {T, index_type} for those dtypes, which
// TFLite's FILL lacks (measured by tools/census_float64.py). TF's checks:
// dims a vector of non-negative sizes, value a scalar.
#include <cstring>
#include <vector>

#include "index_vector.h"
#include "../math/element_types.h"

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
  return math::DispatchElement<double, Eigen::half, Eigen::bfloat16>(ctx.input(1).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T value;  // memcpy: constant buffers are only 4-byte aligned
    std::memcpy(&value, ctx.input(1).data<T>(), sizeof value);
    T* out = y.data<T>();
    for (int64_t i = 0; i < y.num_elements(); ++i) out[i] = value;
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Fill")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("A tensor of the given shape filled with a scalar (tf.fill).")
                         .Input("dims: index_type")
                         .Input("value: T")
                         .Output("output: T")
                         .Attr("T: {half, bfloat16, double}")
                         .Attr("index_type: {int32, int64} = DT_INT32")
                         .ShapeRule(FillShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
