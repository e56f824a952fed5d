// Shared by the float64 reductions the converter leaves custom (Mean, Max,
// Min, Prod; Sum has its own file): TF's ReductionHelper rules (axes of any
// shape read flat, in [-rank, rank), no dim twice, keep_dims) and a driver
// that folds each output element's inputs in row-major order.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace math {

// Neumaier's compensated sum (as Sum's): within about two roundings of the
// exact sum whatever the count. A compensation made non-finite by
// infinities or overflow is dropped: the plain sum is then TF's answer.
struct CompensatedSum {
  double sum = 0.0;
  double compensation = 0.0;

  void Add(double x) {
    const double t = sum + x;
    compensation += std::fabs(sum) >= std::fabs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
  }
  double Result() const { return std::isfinite(compensation) ? sum + compensation : sum; }
};

struct ReductionParams {
  bool keep_dims = false;

  static void Declare(ParamBinder& b, ReductionParams& p) { b.Attr("keep_dims: bool = false", &p.keep_dims); }
};

// Which dims are reduced and the output shape (TF's texts).
inline Status PlanReduction(const Shape& input, const ConstTensor& axes, bool keep_dims, std::vector<bool>* reduced,
                            Shape* output) {
  const int rank = input.rank();
  reduced->assign(static_cast<size_t>(rank), false);
  const Status read = Dispatch<int32_t, int64_t>(axes.dtype(), [&](auto tag) {
    const auto* v = axes.data<typename decltype(tag)::type>();
    for (int64_t i = 0; i < axes.num_elements(); ++i) {
      const int64_t a = static_cast<int64_t>(v[i]);
      OPBRIDGE_REQUIRE(a >= -rank && a < rank, "Invalid reduction dimension (", a, " for input with ", rank,
                       " dimension(s)");
      const auto d = static_cast<size_t>(a < 0 ? a + rank : a);
      OPBRIDGE_REQUIRE(!(*reduced)[d], "Invalid reduction arguments: Axes contains duplicate dimension: ", d);
      (*reduced)[d] = true;
    }
    return Status::Ok();
  });
  OPBRIDGE_RETURN_IF_ERROR(read);
  std::vector<int64_t> dims;
  for (int d = 0; d < rank; ++d) {
    if (!(*reduced)[static_cast<size_t>(d)]) {
      dims.push_back(input.dim(d));
    } else if (keep_dims) {
      dims.push_back(1);
    }
  }
  *output = Shape(std::move(dims));
  return Status::Ok();
}

inline Status ReductionShape(ShapeContext& ctx, const ReductionParams& p) {
  const ConstTensor* axes = ctx.input_value(1);
  if (axes == nullptr || !ctx.input(0).rank_known()) {
    ctx.set_output_dynamic(0);
    return Status::Ok();
  }
  std::vector<bool> reduced;
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduction(ctx.input(0), *axes, p.keep_dims, &reduced, &output));
  ctx.set_output(0, output);
  return Status::Ok();
}

// out[o] = finish(fold of step(acc, x) over the inputs reduced into o, from
// init, in row-major order, count), for double input 0 and axes input 1.
template <typename Acc, typename Step, typename Finish>
Status ReduceDouble(KernelContext& ctx, const ReductionParams& p, Acc init, Step step, Finish finish) {
  const ConstTensor& x = ctx.input(0);
  std::vector<bool> reduced;
  Shape output;
  OPBRIDGE_RETURN_IF_ERROR(PlanReduction(x.shape(), ctx.input(1), p.keep_dims, &reduced, &output));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, output));
  OPBRIDGE_REQUIRE(ctx.output(0).shape().dims() == output.dims(), "output has shape ",
                   ctx.output(0).shape().ToString(), ", expected ", output.ToString());
  const int rank = x.rank();
  std::vector<int64_t> kept_dims, kept_strides, red_dims, red_strides;
  int64_t stride = 1, count = 1;
  for (int d = rank - 1; d >= 0; --d) {
    const auto ud = static_cast<size_t>(d);
    (reduced[ud] ? red_dims : kept_dims).insert((reduced[ud] ? red_dims : kept_dims).begin(), x.dim(d));
    (reduced[ud] ? red_strides : kept_strides).insert((reduced[ud] ? red_strides : kept_strides).begin(), stride);
    if (reduced[ud]) count *= x.dim(d);
    stride *= x.dim(d);
  }
  const double* in = x.data<double>();
  double* out = ctx.output(0).data<double>();
  const int64_t out_size = output.num_elements();
  ctx.ParallelFor(out_size, count + 1, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> coord(red_dims.size());
    for (int64_t o = begin; o < end; ++o) {
      int64_t base = 0, rest = o;
      for (size_t k = kept_dims.size(); k-- > 0;) {
        base += (rest % kept_dims[k]) * kept_strides[k];
        rest /= kept_dims[k];
      }
      Acc acc = init;
      std::fill(coord.begin(), coord.end(), 0);
      int64_t offset = base;
      for (int64_t i = 0; i < count; ++i) {
        step(acc, in[offset]);
        for (size_t k = red_dims.size(); k-- > 0;) {  // odometer over the reduced dims, innermost first
          offset += red_strides[k];
          if (++coord[k] < red_dims[k]) break;
          offset -= coord[k] * red_strides[k];
          coord[k] = 0;
        }
      }
      out[o] = finish(acc, count);
    }
  });
  return Status::Ok();
}

}  // namespace math
}  // namespace opbridge
