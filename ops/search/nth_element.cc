// NthElement: TF's tf.raw_ops.NthElement (tf.contrib's nth_element). TFLite
// has no kernel, so the converter emits CUSTOM "NthElement" with options
// {T, reverse}; n is an int32 input tensor.
//
//   input [..., k], n -> output [...]: the value each row of the last dim
//   would hold at index n once sorted ascending (reverse: descending).
//
// As TF's CPU kernel (nth_element_op.cc): n is a scalar, 0 <= n < k, checked
// with TF's texts; reverse reads index k - 1 - n of the ascending order; each
// row is copied and std::nth_element (operator<) picks the value, so ties
// are plain equal values and NaN rows give what libstdc++'s introselect
// gives TF (the same code over the same comparisons).
#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct NthElementParams {
  bool reverse = false;
  static void Declare(ParamBinder& b, NthElementParams& p) { b.Attr("reverse: bool = false", &p.reverse); }
};

// TF's shape function: input of rank >= 1, n a scalar; the output drops the
// last dim. A constant n is checked against the last dim as TF's does.
Status NthElementShape(ShapeContext& ctx, const NthElementParams&) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRank(1, 0));
  const Shape& in = ctx.input(0);
  if (!in.rank_known()) {
    ctx.set_output(0, Shape::UnknownRank());
    return Status::Ok();
  }
  if (const ConstTensor* n = ctx.input_value(1); n != nullptr && n->num_elements() == 1) {
    const int32_t v = n->data<int32_t>()[0];
    OPBRIDGE_REQUIRE(v >= 0, "n must be non-negative but is ", v);
    OPBRIDGE_REQUIRE(in.dim(-1) == kUnknownDim || in.dim(-1) > v, "Input must have last dimension > n = ", v);
  }
  ctx.set_output(0, in.Slice(0, in.rank() - 1));
  return Status::Ok();
}

Status NthElementKernel(KernelContext& ctx, const NthElementParams& p) {
  const ConstTensor& input = ctx.input(0);
  const ConstTensor& n_t = ctx.input(1);
  OPBRIDGE_REQUIRE(n_t.rank() == 0, "N must be scalar but has rank ", n_t.rank());
  int64_t n = n_t.data<int32_t>()[0];
  OPBRIDGE_REQUIRE(n >= 0, "n must be non-negative but is ", n);
  OPBRIDGE_REQUIRE(input.rank() >= 1, "Input must be at least rank 1 but is rank ", input.rank());
  const int64_t k = input.dim(-1);
  OPBRIDGE_REQUIRE(k > n, "Input must have last dimension > n = ", n);
  if (p.reverse) n = k - n - 1;
  const int64_t rows = input.num_elements() / k;
  return math::DispatchRealNumber(input.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = input.data<T>();
    T* out = ctx.output(0).data<T>();
    ctx.ParallelFor(rows, 20 * k, [&](int64_t begin, int64_t end) {
      std::vector<T> buf(static_cast<size_t>(k));
      for (int64_t r = begin; r < end; ++r) {
        std::copy(in + r * k, in + (r + 1) * k, buf.begin());
        std::nth_element(buf.begin(), buf.begin() + n, buf.end());
        out[r] = buf[static_cast<size_t>(n)];
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("NthElement")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("The n-th smallest (reverse: largest) value of each row of the last dim.")
                         .Input("input: T")
                         .Input("n: int32")
                         .Output("values: T")
                         .Params<NthElementParams>()
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
                               "uint32, uint64}")
                         .ShapeRule(NthElementShape)
                         .Kernel(NthElementKernel));

}  // namespace
}  // namespace opbridge
