// Shared by Softmax and LogSoftmax (float64, half and bfloat16; TFLite's builtins lack them): TF's
// SoftmaxEigenImpl along the last axis, row by row: shift by the row's max,
// exp (Eigen's functor, as TF), then multiply by 1 / sum (Softmax) or
// subtract log(sum) (LogSoftmax). Sums of rows may round differently from
// TF's packet tree (a few ulps; the tests allow 1e-15 relative).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../math/elementwise.h"
#include "../math/half_arrays.h"

namespace opbridge {
namespace nn {

inline Status SoftmaxRowsShape(ShapeContext& ctx) {
  OPBRIDGE_RETURN_IF_ERROR(ctx.RequireRankAtLeast(0, 1));
  ctx.set_output(0, ctx.input(0));
  return Status::Ok();
}

// max(s[0], ..., s[n-1]) with std::max's rule (a NaN after s[0] is passed
// over), in 8 lanes that the compiler vectorizes: the serial chain of one
// maxss per logit was a quarter of the half kernel's time. The lanes change
// which zero wins when both signs tie for the max: x - max, exp and the sum
// give the same outputs either way.
inline float RowMax(const float* s, int64_t n) {
  float lanes[8];
  for (float& m : lanes) m = s[0];
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] = std::max(lanes[k], s[j + k]);
  }
  for (; j < n; ++j) lanes[0] = std::max(lanes[0], s[j]);
  float max = lanes[0];
  for (int k = 1; k < 8; ++k) max = std::max(max, lanes[k]);
  return max;
}

// half and bfloat16: TF's steps in T, each rounded to T as TF's Eigen
// expression does (shift, exp, 1 / sum or log(sum), product or difference),
// except the row's sum, added in float here and in T by TF (so ours is the
// closer one; rows differ from TF's by a few units in the last place).
template <typename T>
Status SoftmaxRowsSmall(KernelContext& ctx, bool log, int64_t rows, int64_t classes) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  ctx.ParallelFor(rows, classes * 8, [&](int64_t begin, int64_t end) {
    std::vector<float> shifted(static_cast<size_t>(classes)), e(static_cast<size_t>(classes));
    std::vector<T> scratch(static_cast<size_t>(classes));
    for (int64_t r = begin; r < end; ++r) {
      float* s = shifted.data();
      math::Widen(in + r * classes, s, classes);
      const float max = RowMax(s, classes);
      for (int64_t j = 0; j < classes; ++j) s[j] -= max;
      math::RoundTo(s, scratch.data(), classes);  // the shifted logits, in T
      // exp in float by Eigen's packet function, TF's own path for T (its
      // half packets widen to float packets), then rounded to T.
      math::ApplyRange(s, e.data(), classes, math::packet_exprs::Exp{});
      math::RoundTo(e.data(), scratch.data(), classes);
      float sum = 0.0f;
      for (int64_t j = 0; j < classes; ++j) sum += e[static_cast<size_t>(j)];
      if (log) {
        const float log_sum = static_cast<float>(T(std::log(static_cast<float>(T(sum)))));
        for (int64_t j = 0; j < classes; ++j) s[j] -= log_sum;
        math::Narrow(s, out + r * classes, classes);
      } else {
        const float inverse = static_cast<float>(T(1.0f / static_cast<float>(T(sum))));
        for (int64_t j = 0; j < classes; ++j) e[static_cast<size_t>(j)] *= inverse;
        math::Narrow(e.data(), out + r * classes, classes);
      }
    }
  });
  return Status::Ok();
}

inline Status SoftmaxRows(KernelContext& ctx, bool log) {
  const ConstTensor& x = ctx.input(0);
  OPBRIDGE_REQUIRE(x.rank() >= 1, "logits must have >= 1 dimension, got ", x.shape().ToString());
  const int64_t classes = x.dim(x.rank() - 1);
  if (x.num_elements() == 0) return Status::Ok();
  const int64_t rows = x.num_elements() / classes;
  if (x.dtype() == DType::kFloat16) return SoftmaxRowsSmall<Eigen::half>(ctx, log, rows, classes);
  if (x.dtype() == DType::kBFloat16) return SoftmaxRowsSmall<Eigen::bfloat16>(ctx, log, rows, classes);
  const double* in = x.data<double>();
  double* out = ctx.output(0).data<double>();
  // Rows in blocks of about 1024 logits: the exps of a block in one call of
  // the packet function (AVX2 where it can; Eigen's baseline exp of the
  // expression took 1.2x TF's time). Row by row, short rows were mostly call
  // overhead (LogSoftmax f64 [65536,8]: 1.5x TF's time).
  const int64_t block = std::max<int64_t>(1, 1024 / classes);
  const int64_t blocks = (rows + block - 1) / block;
  ctx.ParallelFor(blocks, block * classes * 8, [&](int64_t begin, int64_t end) {
    std::vector<double> shifted(static_cast<size_t>(block * classes)), e(shifted.size());
    for (int64_t b = begin; b < end; ++b) {
      const int64_t first = b * block, count = std::min(block, rows - first);
      for (int64_t r = 0; r < count; ++r) {
        const math::ConstArrayMap<double> row(in + (first + r) * classes, classes);
        math::ArrayMap<double>(shifted.data() + r * classes, classes) = row - row.maxCoeff();
      }
      math::ApplyRange(shifted.data(), e.data(), count * classes, math::packet_exprs::Exp{});
      for (int64_t r = 0; r < count; ++r) {
        const math::ConstArrayMap<double> exps(e.data() + r * classes, classes);
        math::ArrayMap<double> y(out + (first + r) * classes, classes);
        if (log) {
          y = math::ConstArrayMap<double>(shifted.data() + r * classes, classes) - std::log(exps.sum());
        } else {
          y = exps * (1.0 / exps.sum());
        }
      }
    }
  });
  return Status::Ok();
}

}  // namespace nn
}  // namespace opbridge
