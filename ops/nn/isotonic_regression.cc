// IsotonicRegression: tf.nn.isotonic_regression's op. Each row (the last dim)
// of `input` is fitted by the non-increasing sequence nearest in squared
// error, by pool-adjacent-violators (TF's isotonic_regression_op.cc):
//  - left to right, each element starts a pool; while the last pool's mean
//    is greater than the one before it, the two merge (sum added, mean =
//    sum / count). NaN compares false, so it never merges;
//  - output 0 is each element's pool mean, output 1 its pool's index in the
//    row (int32, from 0);
//  - arithmetic in output_dtype: float types stay themselves (half and
//    bfloat16 round after each add and divide, as Eigen's types do in TF),
//    int8/int16 become float, int32/int64 double. Other pairs have no TF
//    kernel, and are refused here too.
// Rank 0 is one row of one element; rows are independent (ParallelFor).
#include <Eigen/Core>
#include <limits>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct IsotonicParams {
  DType output_dtype = DType::kFloat32;
  static void Declare(ParamBinder& b, IsotonicParams& p) {
    b.Attr("output_dtype: {half, bfloat16, float, double} = DT_FLOAT", &p.output_dtype);
  }
};

// The output dtype TF registers a kernel for, given the input's.
DType OutputDTypeFor(DType in) {
  switch (in) {
    case DType::kInt8:
    case DType::kInt16:
      return DType::kFloat32;
    case DType::kInt32:
    case DType::kInt64:
      return DType::kFloat64;
    default:
      return in;
  }
}

template <typename Out>
struct Pool {
  int64_t start;  // first column of the pool
  Out sum;
  Out mean;
};

// One row: pools on a stack, merged as TF merges them, then written out.
// The pool being built stays in registers and only lands on the stack once
// no merge is left (no push-then-pop per merge, no vector bookkeeping): the
// merge chain is bound by the divide and the compare after it, so keeping
// loads and stores off that chain is what makes this as fast as TF. The sums
// and divides are TF's, in TF's order (a + b of two values is the same both
// ways), so the results stay bitwise.
template <typename In, typename Out>
void SolveRow(const In* x, Out* y, int32_t* seg, int64_t n, Pool<Out>* pools) {
  int64_t depth = 0;  // pools on the stack
  for (int64_t c = 0; c < n; ++c) {
    int64_t start = c;
    Out sum = static_cast<Out>(x[c]);
    Out mean = sum;
    while (depth > 0 && mean > pools[depth - 1].mean) {
      const Pool<Out>& prev = pools[--depth];
      sum = prev.sum + sum;
      start = prev.start;
      mean = sum / static_cast<Out>(static_cast<int>(c + 1 - start));
    }
    pools[depth++] = Pool<Out>{start, sum, mean};
  }
  for (int64_t p = 0; p < depth; ++p) {
    const int64_t end = p + 1 < depth ? pools[p + 1].start : n;
    const Out mean = pools[p].mean;
    const int32_t id = static_cast<int32_t>(p);
    for (int64_t c = pools[p].start; c < end; ++c) {
      y[c] = mean;
      seg[c] = id;
    }
  }
}

Status IsotonicRegressionKernel(KernelContext& ctx, const IsotonicParams& p) {
  const ConstTensor& input = ctx.input(0);
  const DType expected = OutputDTypeFor(input.dtype());
  OPBRIDGE_REQUIRE(p.output_dtype == expected, "no kernel for input 'input' of dtype ", DTypeName(input.dtype()),
                   " with output_dtype ", DTypeName(p.output_dtype), " (TF registers output_dtype ",
                   DTypeName(expected), " for it)");
  const int64_t total = input.num_elements();
  if (total == 0) return Status::Ok();
  const int64_t n = input.rank() == 0 ? 1 : input.dim(input.rank() - 1);
  const int64_t rows = total / n;
  const int64_t int_max = std::numeric_limits<int32_t>::max();
  OPBRIDGE_REQUIRE(rows < int_max && n < int_max, "Tensor too large");
  int32_t* seg = ctx.output(1).data<int32_t>();
  return math::DispatchRealNumber(input.dtype(), [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    const In* x = input.data<In>();
    return math::DispatchFloating(p.output_dtype, [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      Out* y = ctx.output(0).data<Out>();
      ctx.ParallelFor(rows, 100 * n, [&](int64_t begin, int64_t end) {
        std::vector<Pool<Out>> pools;
        pools.resize(static_cast<size_t>(n));
        for (int64_t r = begin; r < end; ++r) SolveRow(x + r * n, y + r * n, seg + r * n, n, pools.data());
      });
      return Status::Ok();
    });
  });
}

Status IsotonicRegressionShape(ShapeContext& ctx, const IsotonicParams&) {
  ctx.set_output(0, ctx.input(0));
  ctx.set_output(1, ctx.input(0));
  return Status::Ok();
}

OPBRIDGE_REGISTER_OP(OpSpec("IsotonicRegression")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Non-increasing least-squares fit of each row of `input` (last dim) and each "
                              "element's segment id (tf.nn.isotonic_regression).")
                         .Input("input: T")
                         .Output("output: output_dtype")
                         .Output("segments: int32")
                         .Attr("T: {half, bfloat16, float, double, int8, int16, int32, int64}")
                         .Params<IsotonicParams>()
                         .ShapeRule(IsotonicRegressionShape)
                         .Kernel(IsotonicRegressionKernel));

}  // namespace
}  // namespace opbridge
