// Pad: TF's zero padding (tf.pad, mode CONSTANT with value 0) for the dtypes
// TFLite's builtin PAD lacks. The converter emits CUSTOM "Pad" {T, Tpaddings}
// for complex64/complex128 (tf.signal.irfft pads its input to fft_length/2+1
// with it when fft_length is not a constant, or longer than the input) and
// for float64. It lives with the signal ops because IRFFT models need it.
//
// Every fixed-size element type is copied as raw bytes: zero bytes are T(0)
// for all of them. Strings (custom for tf.string too, measured) pad with "".
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../array/index_vector.h"

namespace opbridge {
namespace {

template <typename Index>
Status ReadPaddings(const Shape& input, const ConstTensor& paddings, std::vector<int64_t>* before,
                    std::vector<int64_t>* after) {
  OPBRIDGE_REQUIRE(paddings.rank() == 2 && paddings.dim(1) == 2,
                   "paddings must be a matrix with 2 columns: ", paddings.shape().ToString());
  OPBRIDGE_REQUIRE(paddings.dim(0) == input.rank(),
                   "The first dimension of paddings must be the rank of inputs", paddings.shape().ToString(), " ",
                   input.ToString());
  const Index* values = paddings.data<Index>();
  before->resize(static_cast<size_t>(input.rank()));
  after->resize(static_cast<size_t>(input.rank()));
  for (int d = 0; d < input.rank(); ++d) {
    const int64_t lo = values[2 * d], hi = values[2 * d + 1];
    OPBRIDGE_REQUIRE(lo >= 0 && hi >= 0, "Paddings must be non-negative: ", lo, " ", hi);
    // Keeps the output dims (and their product) far from int64 overflow.
    OPBRIDGE_REQUIRE(lo <= (int64_t{1} << 40) && hi <= (int64_t{1} << 40), "padding ", lo, " ", hi,
                     " of dim ", d, " is too large");
    (*before)[static_cast<size_t>(d)] = lo;
    (*after)[static_cast<size_t>(d)] = hi;
  }
  return Status::Ok();
}

Status Paddings(const Shape& input, const ConstTensor& paddings, std::vector<int64_t>* before,
                std::vector<int64_t>* after) {
  return Dispatch<int32_t, int64_t>(paddings.dtype(), [&](auto tag) {
    return ReadPaddings<typename decltype(tag)::type>(input, paddings, before, after);
  });
}

Shape PaddedShape(const Shape& input, const std::vector<int64_t>& before, const std::vector<int64_t>& after) {
  Shape out = input;
  for (int d = 0; d < input.rank(); ++d) {
    out.set_dim(d, input.dim(d) + before[static_cast<size_t>(d)] + after[static_cast<size_t>(d)]);
  }
  return out;
}

Status PadShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 2));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireDimEquals(1, 1, 2));
  const ConstTensor* paddings = ctx.input_value(1);
  if (paddings != nullptr && ctx.input(0).fully_known()) {
    std::vector<int64_t> before, after;
    OPBRIDGE_RETURN_IF_ERROR(Paddings(ctx.input(0), *paddings, &before, &after));
    const Shape out = PaddedShape(ctx.input(0), before, after);
    ctx.set_output(0, out);
    array::ForwardInputIfSameSize(ctx, out);
    return Status::Ok();
  }
  ctx.set_output(0, ctx.input(0).rank_known() ? Shape(std::vector<int64_t>(ctx.input(0).dims().size(), -1))
                                              : Shape::UnknownRank());
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// Strings pad with "" (TF's Pad: the empty string is T() for tstring). The
// adapter's output strings start empty, so only the input's elements are set.
Status PadStrings(KernelContext& ctx, const ConstTensor& input, const std::vector<int64_t>& before,
                  const Tensor& output) {
  const int rank = input.rank();
  const int64_t count = input.num_elements();
  if (count == 0) return Status::Ok();
  const std::string_view* in = input.data<std::string_view>();
  std::string* out = output.data<std::string>();
  const std::vector<int64_t> out_strides = array::Strides(output.shape().dims());
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, offset = 0;
    for (int d = rank - 1; d >= 0; --d) {
      offset += (rest % input.dim(d) + before[static_cast<size_t>(d)]) * out_strides[static_cast<size_t>(d)];
      rest /= input.dim(d);
    }
    out[offset].assign(in[i]);
  }
  return Status::Ok();
}

Status PadKernel(KernelContext& ctx) {
  const ConstTensor& input = ctx.input(0);
  std::vector<int64_t> before, after;
  OPBRIDGE_RETURN_IF_ERROR(Paddings(input.shape(), ctx.input(1), &before, &after));
  const Shape out_shape = PaddedShape(input.shape(), before, after);
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, out_shape));
  const Tensor& output = ctx.output(0);
  OPBRIDGE_REQUIRE(output.shape().dims() == out_shape.dims(), "output has shape ", output.shape().ToString(),
                   ", expected ", out_shape.ToString());
  if (input.dtype() == DType::kString) return PadStrings(ctx, input, before, output);
  const auto size = static_cast<size_t>(DTypeSize(input.dtype()));
  OPBRIDGE_REQUIRE(size > 0, "dtype ", DTypeName(input.dtype()), " cannot be padded");
  const int64_t total = output.num_elements();
  if (total == 0) return Status::Ok();
  auto* out = static_cast<char*>(output.data<void>());
  std::memset(out, 0, static_cast<size_t>(total) * size);
  const int rank = input.rank();
  if (input.num_elements() == 0) return Status::Ok();
  if (rank == 0) {
    std::memcpy(out, input.data<char>(), size);
    return Status::Ok();
  }
  // Copy each innermost input row to its place in the output.
  const int64_t row = input.dim(rank - 1);
  const int64_t rows = input.num_elements() / row;
  std::vector<int64_t> out_strides(static_cast<size_t>(rank));
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    out_strides[static_cast<size_t>(d)] = stride;
    stride *= out_shape.dim(d);
  }
  const char* in = input.data<char>();
  ctx.ParallelFor(rows, row + 20, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      int64_t rest = r;
      int64_t offset = before[static_cast<size_t>(rank - 1)];
      for (int d = rank - 2; d >= 0; --d) {
        const int64_t index = rest % input.dim(d);
        rest /= input.dim(d);
        offset += (index + before[static_cast<size_t>(d)]) * out_strides[static_cast<size_t>(d)];
      }
      std::memcpy(out + static_cast<size_t>(offset) * size, in + static_cast<size_t>(r * row) * size,
                  static_cast<size_t>(row) * size);
    }
  });
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("Pad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Zero padding (tf.pad, CONSTANT mode with 0) for the dtypes TFLite's PAD lacks "
                              "(complex, float64, ...); paddings [rank, 2].")
                         .Input("input: T")
                         .Input("paddings: Tpaddings")
                         .Output("output: T")
                         .Attr("T: {float, double, half, bfloat16, int8, int16, int32, int64, uint8, uint16, "
                               "uint32, uint64, bool, complex64, complex128, string}")
                         .Attr("Tpaddings: {int32, int64} = DT_INT32")
                         .MayForwardInput()
                         .ShapeRule(PadShape)
                         .Kernel(PadKernel));

}  // namespace
}  // namespace opbridge
