// HistogramFixedWidth: TF's count of values in nbins equal-width bins over
// value_range (tf.histogram_fixed_width). TFLite has no kernel: the converter
// emits CUSTOM "HistogramFixedWidth" with options {T, dtype}.
//
//   values (any shape), value_range [2] = [lo, hi], nbins (int32 scalar)
//     -> out [nbins] (dtype int32 or int64).
//
// TF 2.21's CPU kernel, step for step (each step changes some bins):
//   nbins == 1: out[0] = number of values (before the NaN check, so NaN
//     values are counted there and refused everywhere else);
//   step = double(hi) / nbins - double(lo) / nbins (two divisions, not one:
//     TF avoids overflowing hi - lo);
//   any NaN value: error;
//   bin = int32(min((double(clamp(v, lo, hi)) - double(lo)) / step,
//     nbins - 1)), the clamp in T, so values below lo land in bin 0 and
//     values at or above hi in the last.
// Errors and their order are TF's kernel's (value_range a vector of 2, nbins a
// scalar, lo < hi, nbins > 0). Where TF's index is NaN (lo = -inf, or
// hi = +inf and a value +inf, or a zero step from hi/nbins == lo/nbins) its
// kernel casts NaN to int32 and writes out of bounds (measured: a segfault);
// we return an error instead. The output's length is a run-time value unless
// nbins is a constant.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "opbridge/op.h"

namespace opbridge {
namespace {

struct HistogramParams {
  DType dtype = DType::kInt32;

  static void Declare(ParamBinder& b, HistogramParams& p) { b.Attr("dtype: {int32, int64} = DT_INT32", &p.dtype); }
};

Status HistogramShape(ShapeContext& ctx, const HistogramParams&) {
  // TF's kernel checks value_range and nbins with its own messages; the rule
  // only sizes the output when nbins is a usable constant, and otherwise
  // leaves it to the kernel (which reports bad inputs as TF's kernel does).
  const ConstTensor* nbins = ctx.input_value(2);
  if (nbins != nullptr && nbins->rank() == 0 && nbins->dtype() == DType::kInt32 && *nbins->data<int32_t>() > 0) {
    ctx.set_output(0, Shape({static_cast<int64_t>(*nbins->data<int32_t>())}));
    return Status::Ok();
  }
  ctx.set_output(0, Shape({kUnknownDim}));
  ctx.set_output_dynamic(0);
  return Status::Ok();
}

// A value as TF's StrCat writes it in its messages: floats with the fewest
// of 6/9 (float) or 15/17 (double) significant digits that read back exactly.
template <typename T>
std::string TfNumber(T v) {
  if constexpr (std::is_integral_v<T>) {
    return std::to_string(v);
  } else {
    if (std::isnan(v)) return "nan";
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.*g", std::numeric_limits<T>::digits10, static_cast<double>(v));
    if (static_cast<T>(std::strtod(buf, nullptr)) != v) {
      std::snprintf(buf, sizeof(buf), "%.*g", std::numeric_limits<T>::max_digits10, static_cast<double>(v));
    }
    return buf;
  }
}

// Values per block of the parallel bin computation (one error flag each).
constexpr int64_t kBlock = 1 << 14;

template <typename T, typename Tout>
Status Histogram(KernelContext& ctx) {
  const ConstTensor& values = ctx.input(0);
  const T* v = values.data<T>();
  const T* range = ctx.input(1).data<T>();
  const int32_t nbins = *ctx.input(2).data<int32_t>();
  const T lo = range[0], hi = range[1];
  OPBRIDGE_REQUIRE(lo < hi, "value_range should satisfy value_range[0] < value_range[1], but got '[", TfNumber(lo),
                   ", ", TfNumber(hi), "]'");
  OPBRIDGE_REQUIRE(nbins > 0, "nbins should be a positive number, but got '", nbins, "'");
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({nbins})));
  OPBRIDGE_REQUIRE(ctx.output(0).num_elements() == nbins, "output 'out' has ", ctx.output(0).num_elements(),
                   " elements but nbins is ", nbins);
  Tout* out = ctx.output(0).data<Tout>();
  const int64_t n = values.num_elements();
  for (int32_t b = 0; b < nbins; ++b) out[b] = Tout(0);
  if (nbins == 1) {
    out[0] = static_cast<Tout>(n);
    return Status::Ok();
  }
  if constexpr (std::is_floating_point_v<T>) {
    for (int64_t i = 0; i < n; ++i) {
      OPBRIDGE_REQUIRE(!std::isnan(v[i]), "Histogram values must not contain NaN");
    }
  }
  const double step = static_cast<double>(hi) / static_cast<double>(nbins) -
                      static_cast<double>(lo) / static_cast<double>(nbins);
  const double last = static_cast<double>(nbins - 1);
  const double low = static_cast<double>(lo);

  // The bins are computed in parallel (the division is most of the cost),
  // counted in order afterwards; counts do not depend on the split.
  std::vector<int32_t> bins(static_cast<size_t>(n));
  std::vector<char> bad(static_cast<size_t>((n + kBlock - 1) / kBlock), 0);
  ctx.ParallelFor(static_cast<int64_t>(bad.size()), kBlock * 3, [&](int64_t begin, int64_t end) {
    for (int64_t blk = begin; blk < end; ++blk) {
      bool nan_index = false;
      const int64_t stop = std::min(n, (blk + 1) * kBlock);
      for (int64_t i = blk * kBlock; i < stop; ++i) {
        // Eigen's cwiseMax(lo).cwiseMin(hi) in T (no NaN is left here).
        const T below = v[i] < lo ? lo : v[i];
        const T clamped = hi < below ? hi : below;
        const double q = (static_cast<double>(clamped) - low) / step;
        // TF's cwiseMin(nbins - 1) keeps a NaN; its int32 cast of NaN is the
        // out-of-bounds index we refuse. Every other q is in [0, nbins - 1].
        nan_index |= std::isnan(q);
        bins[static_cast<size_t>(i)] = std::isnan(q) ? 0 : static_cast<int32_t>(q < last ? q : last);
      }
      bad[static_cast<size_t>(blk)] = nan_index;
    }
  });
  for (size_t blk = 0; blk < bad.size(); ++blk) {
    if (!bad[blk]) continue;
    int64_t i = static_cast<int64_t>(blk) * kBlock;
    for (; i < n; ++i) {
      const T below = v[i] < lo ? lo : v[i];
      const T clamped = hi < below ? hi : below;
      if (std::isnan((static_cast<double>(clamped) - low) / step)) break;
    }
    return Errorf("value ", TfNumber(v[i < n ? i : 0]), " of input 'values' falls in no bin of value_range [",
                  TfNumber(lo), ", ", TfNumber(hi), "] with nbins ", nbins,
                  " (its bin index is NaN; TF's kernel would index out of bounds)");
  }
  for (int64_t i = 0; i < n; ++i) out[bins[static_cast<size_t>(i)]] += Tout(1);
  return Status::Ok();
}

Status HistogramKernel(KernelContext& ctx, const HistogramParams& p) {
  const ConstTensor& range = ctx.input(1);
  const ConstTensor& nbins = ctx.input(2);
  OPBRIDGE_REQUIRE(range.rank() == 1, "value_range should be a vector.");
  OPBRIDGE_REQUIRE(range.num_elements() == 2, "value_range should be a vector of 2 elements.");
  OPBRIDGE_REQUIRE(nbins.rank() == 0, "nbins should be a scalar.");
  OPBRIDGE_REQUIRE(range.dtype() == ctx.input(0).dtype(), "inputs 'values' and 'value_range' differ in dtype: ",
                   DTypeName(ctx.input(0).dtype()), ", ", DTypeName(range.dtype()));
  OPBRIDGE_REQUIRE(nbins.dtype() == DType::kInt32, "input 'nbins' must be int32, got ", DTypeName(nbins.dtype()));
  return Dispatch<int32_t, int64_t, float, double>(ctx.input(0).dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return p.dtype == DType::kInt64 ? Histogram<T, int64_t>(ctx) : Histogram<T, int32_t>(ctx);
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("HistogramFixedWidth")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Counts values in nbins equal-width bins over value_range; values outside go to the "
                              "first or last bin (tf.histogram_fixed_width).")
                         .Input("values: T")
                         .Input("value_range: T")
                         .Input("nbins: int32")
                         .Output("out: dtype")
                         .Attr("T: {int32, int64, float, double}")
                         .Params<HistogramParams>()
                         .ShapeRule(HistogramShape)
                         .Kernel(HistogramKernel));

}  // namespace
}  // namespace opbridge
