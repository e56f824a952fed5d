// Cross: TF's tf.linalg.cross. TFLite has no kernel, so the converter emits
// CUSTOM "Cross" with options {T}.
//
//   a [..., 3], b [..., 3] -> product [..., 3]: the cross product of each pair.
//
// As TF's CPU kernel (cross_op.cc): a and b must have the same shape (no
// broadcasting), rank >= 1, last dim 3, with TF's texts; each component is
// a_i * b_j - a_j * b_i with each product and the difference rounded in T
// (no fused multiply-add), integers wrapping as TF's do.
#include <Eigen/Core>
#include <cstdint>
#include <type_traits>

#include "../math/element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// x * y - z * w in T. Integers go through their unsigned type so overflow
// wraps (TF's result) instead of being undefined; floats are kept as two
// rounded products (volatile-free: the build does not contract to FMA).
template <typename T>
T CrossTerm(T x, T y, T z, T w) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    const U p = static_cast<U>(static_cast<U>(x) * static_cast<U>(y));
    const U q = static_cast<U>(static_cast<U>(z) * static_cast<U>(w));
    return static_cast<T>(static_cast<U>(p - q));
  } else {
    const T p = x * y;
    const T q = z * w;
    return p - q;
  }
}

Status CrossShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(1, 1));
  const Shape& a = ctx.input(0);
  const Shape& b = ctx.input(1);
  if (a.rank_known() && b.rank_known()) {
    OPBRIDGE_REQUIRE(a.rank() == b.rank(), "Both inputs must be of same shape: ", a.ToString(), " vs. ",
                     b.ToString());
    Shape out = a;
    for (int i = 0; i < a.rank(); ++i) {
      OPBRIDGE_REQUIRE(a.dim(i) == kUnknownDim || b.dim(i) == kUnknownDim || a.dim(i) == b.dim(i),
                       "Both inputs must be of same shape: ", a.ToString(), " vs. ", b.ToString());
      if (out.dim(i) == kUnknownDim) out.set_dim(i, b.dim(i));
    }
    OPBRIDGE_REQUIRE(a.rank() >= 1 && (a.dim(-1) == kUnknownDim || a.dim(-1) == 3),
                     "Cross-products are only defined for 3-element vectors.");
    ctx.set_output(0, out);
  } else {
    ctx.set_output(0, a.rank_known() ? a : b);
  }
  return Status::Ok();
}

Status CrossKernel(KernelContext& ctx) {
  const ConstTensor& a = ctx.input(0);
  const ConstTensor& b = ctx.input(1);
  OPBRIDGE_REQUIRE(a.shape().dims() == b.shape().dims(), "Both inputs must be of same shape: ",
                   a.shape().ToString(), " vs. ", b.shape().ToString());
  OPBRIDGE_REQUIRE(a.rank() >= 1, "Input must be at least 1D", a.shape().ToString());
  OPBRIDGE_REQUIRE(a.dim(-1) == 3, "Cross-products are only defined for 3-element vectors.");
  const int64_t vectors = a.num_elements() / 3;
  return math::DispatchRealNumber(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* u = a.data<T>();
    const T* v = b.data<T>();
    T* out = ctx.output(0).data<T>();
    ctx.ParallelFor(vectors, 10, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const T* x = u + 3 * i;
        const T* y = v + 3 * i;
        T* o = out + 3 * i;
        o[0] = CrossTerm(x[1], y[2], x[2], y[1]);
        o[1] = CrossTerm(x[2], y[0], x[0], y[2]);
        o[2] = CrossTerm(x[0], y[1], x[1], y[0]);
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("Cross")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Pairwise cross product of the 3-vectors in the last dim of a and b (same shapes).")
                         .Input("a: T")
                         .Input("b: T")
                         .Output("product: T")
                         .Attr("T: {float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, "
                               "uint32, uint64}")
                         .ShapeRule(CrossShape)
                         .Kernel(CrossKernel));

}  // namespace
}  // namespace opbridge
