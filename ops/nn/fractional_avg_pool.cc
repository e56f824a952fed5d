// FractionalAvgPool: TF's tf.nn.fractional_avg_pool. The converter emits
// CUSTOM "FractionalAvgPool" with {T, pooling_ratio, pseudo_random,
// overlapping, deterministic, seed, seed2}.
//
//   value [N, H, W, C] -> output [N, H', W', C], row_pooling_sequence [H' + 1],
//                         col_pooling_sequence [W' + 1] (int64)
// Regions and sequences as FractionalMaxPool (fractional_pool_sequence.h);
// each output is its region's mean. As TF's CPU kernel: the sum runs in T,
// row by row then column by column, and is divided by the element count in
// T, so integer means truncate toward zero and integer sums wrap.
#include <type_traits>

#include "fractional_pool_sequence.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using Params = nn::FractionalPoolParams<false>;

// Integer sums wrap as TF's (Eigen's two's-complement adds), without the
// undefined behaviour of signed overflow in C++.
template <typename T>
T Add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}

template <typename T>
Status Pool(KernelContext& ctx, const Params& p) {
  nn::FractionalRegions r;
  OPBRIDGE_RETURN_IF_ERROR(nn::FractionalPoolRegions(ctx, p, &r));
  const int64_t rows = r.in[1], cols = r.in[2], depth = r.in[3];
  const int64_t out_rows = r.out[1], out_cols = r.out[2];
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  const int64_t cost = (rows / out_rows + 2) * (cols + out_cols) * depth;
  ctx.ParallelFor(r.in[0] * out_rows, cost, [&](int64_t begin, int64_t end) {
    for (int64_t task = begin; task < end; ++task) {
      const int64_t b = task / out_rows, orow = task % out_rows;
      int64_t y0, y1;
      nn::RegionBounds(r.rows, orow, p.overlapping, rows, &y0, &y1);
      for (int64_t ocol = 0; ocol < out_cols; ++ocol) {
        int64_t x0, x1;
        nn::RegionBounds(r.cols, ocol, p.overlapping, cols, &x0, &x1);
        T* dst = out + (task * out_cols + ocol) * depth;
        std::fill(dst, dst + depth, T(0));
        for (int64_t y = y0; y < y1; ++y) {
          for (int64_t x = x0; x < x1; ++x) {
            const T* src = in + ((b * rows + y) * cols + x) * depth;
            for (int64_t c = 0; c < depth; ++c) dst[c] = Add(dst[c], src[c]);
          }
        }
        // TF counts in T too; the count is exact in every T it registers.
        const auto count = static_cast<T>((y1 - y0) * (x1 - x0));
        for (int64_t c = 0; c < depth; ++c) dst[c] /= count;
      }
    }
  });
  return Status::Ok();
}

Status FractionalAvgPoolKernel(KernelContext& ctx, const Params& p) {
  return Dispatch<float, double, int32_t, int64_t>(ctx.input(0).dtype(), [&](auto tag) {
    return Pool<typename decltype(tag)::type>(ctx, p);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FractionalAvgPool")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Fractional average pooling over NHWC rows and columns with TF's seeded pooling "
                              "sequences (tf.nn.fractional_avg_pool).")
                         .Input("value: T")
                         .Output("output: T")
                         .Output("row_pooling_sequence: int64")
                         .Output("col_pooling_sequence: int64")
                         .Params<Params>()
                         .Attr("T: {float, double, int32, int64}")
                         .ShapeRule(nn::FractionalPoolShape<false>)
                         .Kernel(FractionalAvgPoolKernel));

}  // namespace
}  // namespace opbridge
