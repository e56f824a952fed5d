// FractionalAvgPoolGrad: the gradient of FractionalAvgPool, which a converted
// training step leaves custom. Options {T, overlapping}; inputs
// orig_input_tensor_shape (int64 [4]), out_backprop [N, H', W', C],
// row_pooling_sequence, col_pooling_sequence (the forward op's outputs).
//
// As TF's CPU kernel: each out_backprop element is divided by its region's
// element count and added to every element of the region, in double, in the
// order of TF's loops (batch, output row, output column, region row, region
// column); the sums are then converted to T (integers truncate). With
// overlapping, a boundary element receives from every region sharing it.
// Checks and texts are TF's; an out_backprop with a larger batch or depth
// than the input shape is refused (TF writes past its buffer there).
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "fractional_pool_sequence.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using Params = nn::FractionalPoolGradParams;

// The input shape from input 0's values, with TF's checks.
Status InputShape(const ConstTensor& t, int64_t dims[4]) {
  OPBRIDGE_REQUIRE(t.rank() == 1 && t.num_elements() == 4,
                   "original input tensor shape must be1-dimensional and 4 elements");
  std::memcpy(dims, t.data<char>(), 4 * sizeof(int64_t));
  static const char* const kNames[] = {"Batch", "Rows", "Columns", "Depth"};
  for (int i = 0; i < 4; ++i) {
    OPBRIDGE_REQUIRE(dims[i] != 0, kNames[i], " dimension of input must not be 0");
    OPBRIDGE_REQUIRE(dims[i] > 0, "orig_input_tensor_shape must be positive, got: ", dims[i]);
  }
  // TF's TensorShape refuses more than 2^63 - 1 elements; checked before anything multiplies them.
  int64_t total = 1;
  for (int i = 0; i < 4; ++i) {
    OPBRIDGE_REQUIRE(total <= std::numeric_limits<int64_t>::max() / dims[i],
                     "The total elements specified by orig_input_tensor_shape is too large.");
    total *= dims[i];
  }
  return Status::Ok();
}

Status FractionalAvgPoolGradShape(ShapeContext& ctx, const Params&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 4));
  if (const ConstTensor* value = ctx.input_value(0)) {
    int64_t dims[4];
    OPBRIDGE_RETURN_IF_ERROR(InputShape(*value, dims));
    ctx.set_output(0, Shape({dims[0], dims[1], dims[2], dims[3]}));
    return Status::Ok();
  }
  ctx.set_output(0, Shape({kUnknownDim, kUnknownDim, kUnknownDim, kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// TF's static_cast<T>(double): integers truncate; a value outside the
// integer's range (or NaN) gives what x86's conversion gives, the most
// negative integer, without C++'s undefined behaviour.
template <typename T>
T FromDouble(double v) {
  if constexpr (std::is_integral_v<T>) {
    const auto lo = static_cast<double>(std::numeric_limits<T>::min());  // -2^31 or -2^63, exact
    return v > lo - 1.0 && v < -lo ? static_cast<T>(v) : std::numeric_limits<T>::min();
  } else {
    return static_cast<T>(v);
  }
}

template <typename T>
Status Backprop(KernelContext& ctx, const Params& p) {
  const ConstTensor& grad = ctx.input(1);
  OPBRIDGE_REQUIRE(grad.rank() == 4, "out_backprop must be 4-dimensional, got shape ", grad.shape().ToString());
  const int64_t out_batch = grad.dim(0), out_rows = grad.dim(1), out_cols = grad.dim(2), depth = grad.dim(3);
  const ConstTensor& row_t = ctx.input(2);
  const ConstTensor& col_t = ctx.input(3);
  OPBRIDGE_REQUIRE(row_t.num_elements() > out_rows, "Given out_backprop shape ", grad.shape().ToString(),
                   ", row_seq_tensor must have at least ", out_rows + 1, " elements, but got ",
                   row_t.num_elements());
  OPBRIDGE_REQUIRE(col_t.num_elements() > out_cols, "Given out_backprop shape ", grad.shape().ToString(),
                   ", col_seq_tensor must have at least ", out_cols + 1, " elements, but got ",
                   col_t.num_elements());
  int64_t in[4];
  OPBRIDGE_RETURN_IF_ERROR(InputShape(ctx.input(0), in));
  OPBRIDGE_REQUIRE(out_batch <= in[0] && depth <= in[3], "out_backprop has shape ", grad.shape().ToString(),
                   ", a larger batch or depth than orig_input_tensor_shape [", in[0], ",", in[1], ",", in[2], ",",
                   in[3], "] (TF's kernel would write past its output)");
  const Shape in_shape({in[0], in[1], in[2], in[3]});
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, in_shape));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == in_shape.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", orig_input_tensor_shape says ", in_shape.ToString());
  const std::vector<int64_t> rows = nn::GradSequence(row_t), cols = nn::GradSequence(col_t);
  // TF's checks of the regions, in the order its loops meet them (row 0,
  // every column, the other rows), made once for all batches; with no batch
  // TF walks nothing and checks nothing.
  for (int64_t r = 0; out_batch > 0 && r < out_rows; ++r) {
    int64_t begin, last;
    nn::GradRegion(rows, r, p.overlapping, in[1], &begin, &last);
    OPBRIDGE_REQUIRE(begin >= 0 && last >= 0, "Row sequence tensor values must not be negative, got ", begin,
                     " at ", r);
    for (int64_t c = 0; r == 0 && c < out_cols; ++c) {
      nn::GradRegion(cols, c, p.overlapping, in[2], &begin, &last);
      OPBRIDGE_REQUIRE(begin >= 0 && last >= 0, "Column sequence tensor values must not be negative, got ",
                       begin, " at ", c);
    }
  }
  const int64_t plane = in[1] * in[2] * in[3];
  const T* g = grad.data<T>();
  T* out = ctx.output(0).data<T>();
  // Each batch of out_backprop writes its whole plane below; only the
  // input's batches past out_backprop's stay zero.
  std::fill(out + out_batch * plane, out + ctx.output(0).num_elements(), T(0));
  // Batches are independent (each writes its own plane): one per task.
  ctx.ParallelFor(out_batch, plane * 4 + out_rows * out_cols * depth * 8, [&](int64_t begin_b, int64_t end_b) {
    std::vector<double> acc(static_cast<size_t>(plane));
    // A region's quotients, computed once and added to each of its elements
    // (TF divides again for every element: the same quotient, so the same sums).
    std::vector<double> share(static_cast<size_t>(depth));
    for (int64_t b = begin_b; b < end_b; ++b) {
      std::fill(acc.begin(), acc.end(), 0.0);
      for (int64_t r = 0; r < out_rows; ++r) {
        int64_t r0, r1;
        nn::GradRegion(rows, r, p.overlapping, in[1], &r0, &r1);
        for (int64_t c = 0; c < out_cols; ++c) {
          int64_t c0, c1;
          nn::GradRegion(cols, c, p.overlapping, in[2], &c0, &c1);
          if (r0 > r1 || c0 > c1) continue;  // a region past the input: nothing to spread
          const auto count = static_cast<double>((r1 - r0 + 1) * (c1 - c0 + 1));
          const T* src = g + ((b * out_rows + r) * out_cols + c) * depth;
          for (int64_t d = 0; d < depth; ++d) share[static_cast<size_t>(d)] = static_cast<double>(src[d]) / count;
          for (int64_t y = r0; y <= r1; ++y) {
            for (int64_t x = c0; x <= c1; ++x) {
              double* dst = acc.data() + (y * in[2] + x) * in[3];
              for (int64_t d = 0; d < depth; ++d) dst[d] += share[static_cast<size_t>(d)];
            }
          }
        }
      }
      T* dst = out + b * plane;
      for (int64_t i = 0; i < plane; ++i) dst[i] = FromDouble<T>(acc[static_cast<size_t>(i)]);
    }
  });
  return Status::Ok();
}

Status FractionalAvgPoolGradKernel(KernelContext& ctx, const Params& p) {
  return Dispatch<float, double, int32_t, int64_t>(ctx.input(1).dtype(), [&](auto tag) {
    return Backprop<typename decltype(tag)::type>(ctx, p);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FractionalAvgPoolGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The gradient of FractionalAvgPool: each out_backprop element spread evenly over "
                              "its pooling region.")
                         .Input("orig_input_tensor_shape: int64")
                         .Input("out_backprop: T")
                         .Input("row_pooling_sequence: int64")
                         .Input("col_pooling_sequence: int64")
                         .Output("output: T")
                         .Params<Params>()
                         .Attr("T: {float, double, int32, int64}")
                         .ShapeRule(FractionalAvgPoolGradShape)
                         .Kernel(FractionalAvgPoolGradKernel));

}  // namespace
}  // namespace opbridge
