// Shared by Softmax and LogSoftmax (float64; TFLite's builtins lack it): TF's
// SoftmaxEigenImpl along the last axis, row by row: shift by the row's max,
// exp (Eigen's functor, as TF), then multiply by 1 / sum (Softmax) or
// subtract log(sum) (LogSoftmax). Sums of rows may round differently from
// TF's packet tree (a few ulps; the tests allow 1e-15 relative).
#pragma once

#include <algorithm>
#include <cmath>

#include "../math/elementwise.h"

namespace opbridge {
namespace nn {

inline Status SoftmaxRowsShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

inline Status SoftmaxRows(KernelContext& ctx, bool log) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_REQUIRE(x.rank() >= 1, "logits must have >= 1 dimension, got ", x.shape().ToString());
  const int64_t classes = x.dim(x.rank() - 1);
  if (x.num_elements() == 0) return Status::Ok();
  const int64_t rows = x.num_elements() / classes;
  const double* in = x.data<double>();
  double* out = ctx.output(0).data<double>();
  ctx.ParallelFor(rows, classes * 8, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const math::ConstArrayMap<double> row(in + r * classes, classes);
      math::ArrayMap<double> y(out + r * classes, classes);
      y = row - row.maxCoeff();
      if (log) {
        y -= std::log(y.exp().sum());
      } else {
        math::ApplyRange(y.data(), y.data(), classes, math::packet_exprs::Exp{});  // AVX2 where it can
        y *= 1.0 / y.sum();
      }
    }
  });
  return Status::Ok();
}

}  // namespace nn
}  // namespace opbridge
