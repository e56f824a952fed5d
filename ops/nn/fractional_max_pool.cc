// FractionalMaxPool: TF's tf.nn.fractional_max_pool (Graham's fractional
// max-pooling). The converter emits CUSTOM "FractionalMaxPool" with
// {T, pooling_ratio, pseudo_random, overlapping, deterministic, seed, seed2}.
//
//   value [N, H, W, C] -> output [N, H', W', C], row_pooling_sequence [H' + 1],
//                         col_pooling_sequence [W' + 1] (int64)
// H' = floor(H / ratio[1]), W' likewise (in float, as TF). Output (r, c) is
// the maximum over rows [rows[r], rows[r + 1]) and columns [cols[c],
// cols[c + 1]), each window one longer with overlapping (clipped to the
// input). The sequences come from TF's Philox stream
// (fractional_pool_sequence.h). As TF's CPU kernel: the maximum starts at the
// type's lowest value and an element replaces it only when strictly larger,
// so a NaN never wins.
#include <algorithm>
#include <limits>

#include "fractional_pool_sequence.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

using Params = nn::FractionalPoolParams<true>;

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
        T* __restrict dst = out + (task * out_cols + ocol) * depth;
        std::fill(dst, dst + depth, std::numeric_limits<T>::lowest());
        for (int64_t y = y0; y < y1; ++y) {
          for (int64_t x = x0; x < x1; ++x) {
            const T* __restrict src = in + ((b * rows + y) * cols + x) * depth;
            // Select, not branch: vectorizes (x86 max with src first keeps dst
            // for a NaN src, as `<` does) and never mispredicts on real data.
            for (int64_t c = 0; c < depth; ++c) dst[c] = dst[c] < src[c] ? src[c] : dst[c];
          }
        }
      }
    }
  });
  return Status::Ok();
}

Status FractionalMaxPoolKernel(KernelContext& ctx, const Params& p) {
  return Dispatch<float, double, int32_t, int64_t>(ctx.input(0).dtype(), [&](auto tag) {
    return Pool<typename decltype(tag)::type>(ctx, p);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("FractionalMaxPool")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Fractional max pooling over NHWC rows and columns with TF's seeded pooling "
                              "sequences (tf.nn.fractional_max_pool).")
                         .Input("value: T")
                         .Output("output: T")
                         .Output("row_pooling_sequence: int64")
                         .Output("col_pooling_sequence: int64")
                         .Params<Params>()
                         .Attr("T: {float, double, int32, int64}")
                         .ShapeRule(nn::FractionalPoolShape<true>)
                         .Kernel(FractionalMaxPoolKernel));

}  // namespace
}  // namespace opbridge
