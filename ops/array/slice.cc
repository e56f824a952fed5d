// Slice: TF's input[begin : begin + size] (tf.slice) in float64: the
// converter leaves CUSTOM "Slice" {T, Index} for double, which TFLite's SLICE
// lacks (measured by tools/census_float64.py). size -1 means "to the end";
// TF's checks and texts. Elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Plan(const Shape& input, const ConstTensor& begin_t, const ConstTensor& size_t_, std::vector<int64_t>* begin,
            std::vector<int64_t>* size) {
  const int rank = input.rank();
  OPBRIDGE_REQUIRE(begin_t.rank() == 1 && size_t_.rank() == 1 && begin_t.num_elements() == rank &&
                       size_t_.num_elements() == rank,
                   "Expected begin and size arguments to be 1-D tensors of size ", rank, ", but got shapes ",
                   begin_t.shape().ToString(), " and ", size_t_.shape().ToString(), " instead.");
  *begin = array::ReadIndices(begin_t);
  *size = array::ReadIndices(size_t_);
  for (int i = 0; i < rank; ++i) {
    const auto u = static_cast<size_t>(i);
    int64_t& s = (*size)[u];
    const int64_t b = (*begin)[u], dim = input.dim(i);
    if (s == -1) s = dim - b;
    OPBRIDGE_REQUIRE(b >= 0 && b <= dim, "Expected begin[", i, "] in [0, ", dim, "], but got ", b);
    OPBRIDGE_REQUIRE(s >= 0 && b + s <= dim, "Expected size[", i, "] in [0, ", dim - b, "], but got ", s);
  }
  return Status::Ok();
}

Status SliceShape(ShapeContext& ctx) {
  const ConstTensor* begin = ctx.input_value(1);
  const ConstTensor* size = ctx.input_value(2);
  const Shape& x = ctx.input(0);
  if (begin == nullptr || size == nullptr || !x.rank_known() || !x.fully_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> b, s;
  OPBRIDGE_RETURN_IF_ERROR(Plan(x, *begin, *size, &b, &s));
  const Shape out(s);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  std::vector<int64_t> begin, size;
  OPBRIDGE_RETURN_IF_ERROR(Plan(x.shape(), ctx.input(1), ctx.input(2), &begin, &size));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(size)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == size, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(size).ToString());
  const std::vector<int64_t> strides = array::Strides(x.shape().dims());
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    const In* in = x.data<In>();
    Out* out = y.data<Out>();
    array::ParallelForElements<Out>(ctx, y.num_elements(), 1, [&](int64_t lo, int64_t hi) {
      array::ForEachOutput(
          size, strides, lo, hi, [&](size_t d, int64_t c) { return begin[d] + c; },
          [&](int64_t o, int64_t i) { out[o] = in[i]; });
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Slice")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input[begin : begin + size], size -1 to the end (tf.slice).")
                         .Input("input: T")
                         .Input("begin: Index")
                         .Input("size: Index")
                         .Output("output: T")
                         .Attr("T: type")
                         .Attr("Index: {int32, int64}")
                         .MayForwardInput()
                         .ShapeRule(SliceShape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
