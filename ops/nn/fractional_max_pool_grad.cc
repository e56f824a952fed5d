// FractionalMaxPoolGrad: the gradient of FractionalMaxPool, which a converted
// training step leaves custom. Options {T, overlapping}; inputs orig_input,
// orig_output, out_backprop, row_pooling_sequence, col_pooling_sequence.
//
// As TF's CPU kernel: the pooling is walked again over the given sequences,
// each region's maximum found by TF's rule for the gradient (the region's
// first element, then only strictly larger ones, so ties go to the first in
// row-major order); the result must equal orig_output ("tensor_out_dup is
// not the same as tensor_out" otherwise: a region whose first element is
// NaN, or all -inf where the forward op gives the lowest finite value).
// Each out_backprop element is then added, in T and in output order, to the
// input element its maximum came from. Checks and texts are TF's; sequences
// or shapes with which TF's kernel would index outside its buffers (a
// negative start, more regions than orig_output has, batch or depth
// differing from orig_input, out_backprop not shaped as orig_output) are
// refused.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "../image/image_util.h"  // TakeLarger
#include "fractional_pool_sequence.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using Params = nn::FractionalPoolGradParams;

Status FractionalMaxPoolGradShape(ShapeContext& ctx, const Params&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(0, 4));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

// Integer sums wrap as TF's, without signed overflow in C++.
template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

// One region's maximum per channel by TF's gradient rule: its first element,
// then strictly larger ones (`<` keeps the current value against a NaN).
// The window position k is row-major in the region (image::TakeLarger).
// `first` is the flat index of the region's top-left element,
// `row_stride` the distance between its rows; `pos` is scratch of `depth`.
template <typename T>
void RegionMax(const T* in, int64_t first, int64_t height, int64_t width, int64_t row_stride, int64_t depth,
               T* __restrict best, int32_t* __restrict pos, int64_t* __restrict arg) {
  std::copy(in + first, in + first + depth, best);
  std::fill(pos, pos + depth, 0);
  int32_t k = 0;
  for (int64_t y = 0; y < height; ++y) {
    for (int64_t x = 0; x < width; ++x, ++k) {
      if (k == 0) continue;
      image::TakeLarger(in + first + y * row_stride + x * depth, k, depth, best, pos);
    }
  }
  for (int64_t d = 0; d < depth; ++d) arg[d] = first + (pos[d] / width) * row_stride + (pos[d] % width) * depth + d;
}

Status CheckInputs(const KernelContext& ctx, std::vector<int64_t>* rows, std::vector<int64_t>* cols) {
  const ConstTensor& in = ctx.input(0);
  const ConstTensor& out = ctx.input(1);
  const ConstTensor& grad = ctx.input(2);
  const ConstTensor& row_t = ctx.input(3);
  const ConstTensor& col_t = ctx.input(4);
  OPBRIDGE_REQUIRE(in.rank() == 4, "orig_input should be a tensor of rank 4, got shape ", in.shape().ToString());
  OPBRIDGE_REQUIRE(in.num_elements() > 0, "orig_input must not be empty, got shape ", in.shape().ToString());
  OPBRIDGE_REQUIRE(out.rank() == 4, "orig_output should be a tensor of rank 4, got shape ",
                   out.shape().ToString());
  OPBRIDGE_REQUIRE(out.num_elements() > 0, "orig_output must not be empty, got shape ", out.shape().ToString());
  OPBRIDGE_REQUIRE(row_t.num_elements() * col_t.num_elements() <= in.num_elements(),
                   "Pooling region has more elements than the input tensor. row_pooling_sequence: ",
                   row_t.shape().ToString(), " col_pooling_sequence: ", col_t.shape().ToString(),
                   " orig_input: ", in.shape().ToString());
  // Beyond TF's checks: what its loops assume.
  OPBRIDGE_REQUIRE(out.dim(0) == in.dim(0) && out.dim(3) == in.dim(3), "orig_output has shape ",
                   out.shape().ToString(), ", batch or depth differing from orig_input's ", in.shape().ToString());
  OPBRIDGE_REQUIRE(grad.shape().dims() == out.shape().dims(), "out_backprop has shape ", grad.shape().ToString(),
                   ", orig_output ", out.shape().ToString());
  OPBRIDGE_REQUIRE(row_t.num_elements() >= 1 && row_t.num_elements() - 1 <= out.dim(1) &&
                       col_t.num_elements() >= 1 && col_t.num_elements() - 1 <= out.dim(2),
                   "pooling sequences of ", row_t.num_elements(), " and ", col_t.num_elements(),
                   " elements do not fit orig_output of shape ", out.shape().ToString());
  *rows = nn::GradSequence(row_t);
  *cols = nn::GradSequence(col_t);
  for (const auto* seq : {rows, cols}) {
    for (size_t i = 0; i + 1 < seq->size(); ++i) {
      OPBRIDGE_REQUIRE((*seq)[i] >= 0, seq == rows ? "row" : "col", "_pooling_sequence has ", (*seq)[i],
                       " at ", i, ": a region cannot start before the input");
    }
  }
  return Status::Ok();
}

template <typename T>
Status Backprop(KernelContext& ctx, const Params& p) {
  std::vector<int64_t> seq_rows, seq_cols;
  OPBRIDGE_RETURN_IF_ERROR(CheckInputs(ctx, &seq_rows, &seq_cols));
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& orig_out = ctx.input(1);
  const int64_t batch = input.dim(0), rows = input.dim(1), cols = input.dim(2), depth = input.dim(3);
  const int64_t out_rows = orig_out.dim(1), out_cols = orig_out.dim(2);
  const int64_t regions_r = static_cast<int64_t>(seq_rows.size()) - 1;
  const int64_t regions_c = static_cast<int64_t>(seq_cols.size()) - 1;
  const T* in = input.data<T>();
  const T* out_values = orig_out.data<T>();
  const int64_t n_out = orig_out.num_elements();
  const int64_t out_plane = out_rows * out_cols * depth, in_plane = rows * cols * depth;

  // Step 1, per output element: TF's maximum and where it came from (-1:
  // the region held nothing).
  std::vector<T> best(static_cast<size_t>(n_out), std::numeric_limits<T>::lowest());
  std::vector<int64_t> arg(static_cast<size_t>(n_out), -1);
  const int64_t cost = (rows / std::max<int64_t>(regions_r, 1) + 2) * (cols + regions_c) * depth;
  ctx.ParallelFor(batch * regions_r, cost, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> pos(static_cast<size_t>(depth));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / regions_r, hs = task % regions_r;
      int64_t y0, y1;
      nn::GradRegion(seq_rows, hs, p.overlapping, rows, &y0, &y1);
      for (int64_t ws = 0; ws < regions_c; ++ws) {
        int64_t x0, x1;
        nn::GradRegion(seq_cols, ws, p.overlapping, cols, &x0, &x1);
        if (y0 > y1 || x0 > x1) continue;  // a region past the input: TF's initial values
        const int64_t o = ((b * out_rows + hs) * out_cols + ws) * depth;
        RegionMax(in, ((b * rows + y0) * cols + x0) * depth, y1 - y0 + 1, x1 - x0 + 1, cols * depth, depth,
                  best.data() + o, pos.data(), arg.data() + o);
      }
    }
  });
  // TF compares with ==: a NaN maximum never matches.
  for (int64_t k = 0; k < n_out; ++k) {
    OPBRIDGE_REQUIRE(best[static_cast<size_t>(k)] == out_values[k], "tensor_out_dup is not the same as tensor_out");
  }
  // Step 2: scatter in output order; batches write disjoint input planes.
  const T* grad = ctx.input(2).data<T>();
  T* dx = ctx.output(0).data<T>();
  const int64_t n_in = input.num_elements();
  std::fill(dx, dx + n_in, T(0));
  for (int64_t k = 0; k < n_out; ++k) {
    const int64_t i = arg[static_cast<size_t>(k)];
    OPBRIDGE_REQUIRE(i >= 0 && i < n_in, "Invalid input backprop index: ", i, ", ", n_in);
  }
  ctx.ParallelFor(batch, (out_plane + in_plane) * 2, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin * out_plane; k < end * out_plane; ++k) {
      const int64_t i = arg[static_cast<size_t>(k)];
      dx[i] = Add(dx[i], grad[k]);
    }
  });
  return Status::Ok();
}

Status FractionalMaxPoolGradKernel(KernelContext& ctx, const Params& p) {
  return Dispatch<float, double, int32_t, int64_t>(ctx.input(0).dtype(), [&](auto tag) {
    return Backprop<typename decltype(tag)::type>(ctx, p);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FractionalMaxPoolGrad")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The gradient of FractionalMaxPool: each out_backprop element added to the input "
                              "element its region's maximum came from.")
                         .Input("orig_input: T")
                         .Input("orig_output: T")
                         .Input("out_backprop: T")
                         .Input("row_pooling_sequence: int64")
                         .Input("col_pooling_sequence: int64")
                         .Output("output: T")
                         .Params<Params>()
                         .Attr("T: {float, double, int32, int64}")
                         .ShapeRule(FractionalMaxPoolGradShape)
                         .Kernel(FractionalMaxPoolGradKernel));

}  // namespace
}  // namespace opbridge
