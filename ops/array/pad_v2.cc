// PadV2: TF's input padded with `constant_values` (tf.pad with a constant) in
// float64 and string: the converter leaves CUSTOM "PadV2" {T, Tpaddings} for
// both, which TFLite's PADV2 lacks (measured by tools/census_float64.py and
// for tf.string). paddings
// is [rank, 2] of non-negative before/after counts; TF's checks and texts.
// Elements are copied: exact.
// Any other dtype too, as TF's attr allows: the converter also leaves it
// custom for half, bfloat16, int16 and the unsigned types (measured), moved
// as raw elements of their size (array::ForElements).
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "index_vector.h"

namespace opbridge {
namespace {

Status Plan(const Shape& input, const ConstTensor& paddings_t, std::vector<int64_t>* before,
            std::vector<int64_t>* out_dims) {
  const int rank = input.rank();
  OPBRIDGE_REQUIRE(paddings_t.rank() == 2 && paddings_t.dim(1) == 2,
                   "paddings must be a matrix with 2 columns: ", paddings_t.shape().ToString());
  OPBRIDGE_REQUIRE(paddings_t.dim(0) == rank, "The first dimension of paddings must be the rank of inputs",
                   paddings_t.shape().ToString(), " ", input.ToString());
  const std::vector<int64_t> p = array::ReadIndices(paddings_t);
  before->clear();
  out_dims->clear();
  for (int d = 0; d < rank; ++d) {
    const int64_t b = p[static_cast<size_t>(2 * d)], a = p[static_cast<size_t>(2 * d + 1)];
    OPBRIDGE_REQUIRE(b >= 0 && a >= 0, "Paddings must be non-negative: ", b, " ", a);
    before->push_back(b);
    int64_t size = kUnknownDim;
    OPBRIDGE_REQUIRE(input.dim(d) == kUnknownDim || (!__builtin_add_overflow(input.dim(d), b, &size) &&
                                                      !__builtin_add_overflow(size, a, &size)),
                     "padded dimension ", d, " is too large");
    out_dims->push_back(size);
  }
  return input.fully_known() ? array::CheckOutputSize(*out_dims) : Status::Ok();
}

Status PadV2Shape(ShapeContext& ctx) {
  const ConstTensor* paddings = ctx.input_value(1);
  if (paddings == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<int64_t> before, dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(ctx.input(0), *paddings, &before, &dims));
  const Shape out(dims);
  ctx.set_output(0, out);
  array::ForwardInputIfSameSize(ctx, out);
  return Status::Ok();
}

// Row by row of the output (all dims but the last): a row outside the input
// is all fill; one inside is fill, the input's row, fill.
template <typename In, typename Out>
void Fill(KernelContext& ctx, const ConstTensor& x, const std::vector<int64_t>& before,
          const std::vector<int64_t>& dims, const Out& fill, const In* in, Out* out) {
  const size_t last = dims.size() - 1;
  const std::vector<int64_t> in_dims = x.shape().dims();
  const std::vector<int64_t> in_strides = array::Strides(in_dims);
  const int64_t width = dims[last], in_width = in_dims[last], lead = before[last];
  int64_t total = 1;
  for (const int64_t d : dims) total *= d;
  array::ParallelForElements<Out>(ctx, total / width, width + 1, [&](int64_t lo, int64_t hi) {
    array::ForEachRow(dims, lo, hi, [&](int64_t row, const std::vector<int64_t>& coord) {
      Out* dst = out + row * width;
      int64_t offset = 0;
      bool inside = in_width > 0;
      for (size_t d = 0; d < last && inside; ++d) {
        const int64_t i = coord[d] - before[d];
        inside = i >= 0 && i < in_dims[d];
        offset += i * in_strides[d];
      }
      if (!inside) {
        for (int64_t k = 0; k < width; ++k) dst[k] = fill;
        return;
      }
      for (int64_t k = 0; k < lead; ++k) dst[k] = fill;
      for (int64_t k = 0; k < in_width; ++k) dst[lead + k] = in[offset + k];
      for (int64_t k = lead + in_width; k < width; ++k) dst[k] = fill;
    });
  });
}

Status Kernel(KernelContext& ctx) {
  const ConstTensor& x = ctx.input(0);
  const ConstTensor& value = ctx.input(2);
  OPBRIDGE_REQUIRE(value.num_elements() == 1, "constant_values must be a scalar. Found: ", value.shape().ToString());
  std::vector<int64_t> before, dims;
  OPBRIDGE_RETURN_IF_ERROR(Plan(x.shape(), ctx.input(1), &before, &dims));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape(dims)));
  const Tensor& y = ctx.output(0);
  OPBRIDGE_REQUIRE(y.shape().dims() == dims, "output has shape ", y.shape().ToString(), ", expected ",
                   Shape(dims).ToString());
  if (y.num_elements() == 0) return Status::Ok();
  return array::ForElements(x.dtype(), [&](auto tag) {
    using In = typename decltype(tag)::In;
    using Out = typename decltype(tag)::Out;
    Out fill;
    if constexpr (std::is_same_v<Out, std::string_view>) {
      fill = value.data<std::string_view>()[0];  // a view of the input, alive for the call
    } else {
      std::memcpy(&fill, value.data<In>(), sizeof fill);  // constant buffers are only 4-byte aligned
    }
    Fill(ctx, x, before, dims, fill, x.data<In>(), y.data<Out>());
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("PadV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("input padded with a constant value (tf.pad, mode CONSTANT).")
                         .Input("input: T")
                         .Input("paddings: Tpaddings")
                         .Input("constant_values: T")
                         .Output("output: T")
                         .Attr("T: type")
                         .Attr("Tpaddings: {int32, int64} = DT_INT32")
                         .MayForwardInput()
                         .ShapeRule(PadV2Shape)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
