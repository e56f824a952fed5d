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
//
// Speed: bins come from two products with the step's reciprocal, rounded
// down and up (FastBins, FloatBins), and TF's division only for blocks where
// they disagree; NaN values are found in the same pass; each thread counts
// into its own interleaved histograms. The division per value, a separate
// NaN pass, a 4 MB bin array per invoke and a serial count were 2.8x TF.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include "avx2_dispatch.h"
#include "opbridge/op.h"
#include "simd_cols.h"

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

// TF's bin rule for one T (see the file's comment), and what the fast rule
// needs: the step's reciprocal.
template <typename T>
struct Binning {
  T lo, hi;
  double low, step, last;
  // The fast rule (FastBins) applies: lo, hi, the step and its reciprocal
  // finite, both normal (the reciprocal rounded to 53 bits).
  bool fast;
  double inv_below, inv_above;  // 1 / step (1 -+ 2^-50), as FastBins says
  // FloatBins applies (T float, nbins <= 2^24, hi - lo finite in float, the
  // float reciprocals normal); its reciprocals 1 / step (1 -+ 2^-20).
  bool fast_float;
  float inv_below_f, inv_above_f;
};

#define OPBRIDGE_HISTOGRAM_INLINE __attribute__((always_inline)) inline

// TF's clamp: Eigen's cwiseMax(lo).cwiseMin(hi) in T.
template <typename T>
OPBRIDGE_HISTOGRAM_INLINE T Clamp(T v, T lo, T hi) {
  const T below = v < lo ? lo : v;
  return hi < below ? hi : below;
}

// TF's bins of v[0 .. n), step for step. Returns whether an index was NaN
// (that value's bin is set to 0: TF's kernel would write out of bounds).
template <typename T>
OPBRIDGE_HISTOGRAM_INLINE bool ExactBins(const Binning<T>& b, const T* v, int64_t n, int32_t* bins) {
  bool nan_index = false;
  for (int64_t i = 0; i < n; ++i) {
    const double q = (static_cast<double>(Clamp(v[i], b.lo, b.hi)) - b.low) / b.step;
    // TF's cwiseMin(nbins - 1) keeps a NaN; its int32 cast of NaN is the
    // out-of-bounds index we refuse. Every other q is in [0, nbins - 1].
    nan_index |= q != q;
    bins[i] = q != q ? 0 : static_cast<int32_t>(q < b.last ? q : b.last);
  }
  return nan_index;
}

// The bins of v[0 .. n) by multiplying with the step's reciprocal instead of
// dividing (a division per value was most of the kernel's time). Returns
// false if some value's bin is not certain to be TF's; the caller then takes
// ExactBins for the block. Why the test is enough: x = clamp(v) - lo >= 0 is
// computed as TF computes it, and TF's bin is floor(q) capped at nbins - 1,
// q = x / step rounded once (relative error <= u = 2^-53). Here
// inv_below = 1 / step * (1 - 2^-50) and inv_above = 1 / step * (1 + 2^-50),
// each rounded, so x * inv_below <= Q (1 + u)^3 (1 - 8u) < Q (1 - u) <= q and
// likewise x * inv_above > q (Q the exact quotient; no overflow: the
// products are at most about nbins; an underflow gives bin 0 for a q under
// 1). When both products floor to the same integer, so does q. Both are
// capped at nbins - 1 first, as TF caps q (so values at hi, whose quotient
// is about nbins, are sure of the last bin), which also keeps the int32
// conversion in range. A NaN value gives the last bin here (a NaN fails
// `<`): the caller refuses NaN values anyway.
template <int W, typename T>
OPBRIDGE_HISTOGRAM_INLINE bool FastBins(const Binning<T>& b, const T* v, int64_t n, int32_t* bins) {
  int32_t unsure = 0;
  int64_t i = 0;
  if constexpr (!std::is_same_v<T, int64_t>) {
    // Written on vectors of L doubles: GCC vectorized the scalar loop below
    // with each cap as an int32 blend of the double compare's mask (mask
    // repacking per vector) instead of a minpd.
    using D = typename math::Cols<double, W>::type;
    constexpr int L = math::Cols<double, W>::kWidth;
    using VT = typename math::Cols<T, L * static_cast<int>(sizeof(T))>::unaligned;
    using VTU = typename math::Cols<T, L * static_cast<int>(sizeof(T))>::type;
    using VI = typename math::Cols<int32_t, L * 4>::type;
    using VIU = typename math::Cols<int32_t, L * 4>::unaligned;
    const VTU lo = VTU{} + b.lo, hi = VTU{} + b.hi;
    const D low = D{} + b.low, inv_below = D{} + b.inv_below, inv_above = D{} + b.inv_above, last = D{} + b.last;
    VI differ = {};
    for (; i + L <= n; i += L) {
      VTU t = *reinterpret_cast<const VT*>(v + i);
      t = t < lo ? lo : t;
      t = hi < t ? hi : t;
      const D x = __builtin_convertvector(t, D) - low;
      D below = x * inv_below, above = x * inv_above;
      below = below < last ? below : last;
      above = above < last ? above : last;
      const VI floor_below = __builtin_convertvector(below, VI);
      differ |= floor_below ^ __builtin_convertvector(above, VI);
      *reinterpret_cast<VIU*>(bins + i) = floor_below;
    }
    for (int l = 0; l < L; ++l) unsure |= differ[l];
  }
  for (; i < n; ++i) {
    const double x = static_cast<double>(Clamp(v[i], b.lo, b.hi)) - b.low;
    const double below = x * b.inv_below, above = x * b.inv_above;
    const auto floor_below = static_cast<int32_t>(below < b.last ? below : b.last);
    unsure |= floor_below ^ static_cast<int32_t>(above < b.last ? above : b.last);
    bins[i] = floor_below;
  }
  return unsure == 0;
}

// FastBins in float, 2W / 8 values a vector, for float values: the same two
// products, with a margin for float's roundings. x_f = c - lo rounded to
// float, and the reciprocals 1 / step (1 -+ 2^-20) rounded to float, so
// x_f * inv_below_f <= Q (1 - 2^-20) (1 + 2^-24)^3 (1 + 2^-52) < Q (1 - 2^-52)
// <= q (TF's x in double may itself be rounded, hence q's 2^-52), and likewise
// above; nbins - 1 <= 2^24 is a float, and the products stay below 2^25.
// About one block in 40 of values spread over 100 bins is unsure here (the
// products differ by ~2^-19 q): the caller then tries FastBins. Returns
// whether every bin is sure; *nan: whether a value is NaN.
template <int W>
OPBRIDGE_HISTOGRAM_INLINE bool FloatBins(const Binning<float>& b, const float* v, int64_t n, int32_t* bins,
                                         bool* nan) {
  using V = typename math::Cols<float, W>::type;
  using VU = typename math::Cols<float, W>::unaligned;
  using VI = typename math::Cols<int32_t, W>::type;
  using VIU = typename math::Cols<int32_t, W>::unaligned;
  constexpr int L = math::Cols<float, W>::kWidth;
  const V lo = V{} + b.lo, hi = V{} + b.hi, last = V{} + static_cast<float>(b.last);
  const V inv_below = V{} + b.inv_below_f, inv_above = V{} + b.inv_above_f;
  VI differ = {}, nans = {};
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    V t = *reinterpret_cast<const VU*>(v + i);
    nans |= t != t;
    t = t < lo ? lo : t;
    t = hi < t ? hi : t;
    const V x = t - lo;
    V below = x * inv_below, above = x * inv_above;
    below = below < last ? below : last;
    above = above < last ? above : last;
    const VI floor_below = __builtin_convertvector(below, VI);
    differ |= floor_below ^ __builtin_convertvector(above, VI);
    *reinterpret_cast<VIU*>(bins + i) = floor_below;
  }
  int32_t unsure = 0, nan_found = 0;
  for (int l = 0; l < L; ++l) {
    unsure |= differ[l];
    nan_found |= nans[l];
  }
  const float last_f = static_cast<float>(b.last);
  for (; i < n; ++i) {
    nan_found |= v[i] != v[i];
    const float x = Clamp(v[i], b.lo, b.hi) - b.lo;
    const float below = x * b.inv_below_f, above = x * b.inv_above_f;
    const auto floor_below = static_cast<int32_t>(below < last_f ? below : last_f);
    unsure |= floor_below ^ static_cast<int32_t>(above < last_f ? above : last_f);
    bins[i] = floor_below;
  }
  *nan = nan_found != 0;
  return unsure == 0;
}

template <typename T>
OPBRIDGE_HISTOGRAM_INLINE bool AnyNan(const T* v, int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    int32_t nan = 0;
    for (int64_t i = 0; i < n; ++i) nan |= v[i] != v[i];
    return nan != 0;
  } else {
    return false;
  }
}

// Values per block: their bins fit in L1 between computing and counting.
constexpr int64_t kBlock = 256;

// What a range of values found besides counts.
struct RangeFlags {
  bool nan_value = false;
  int64_t nan_index_at = -1;  // the first block start with a NaN index, or -1
};

// Counts values [begin, end) into `counts` (`copies` interleaved histograms
// of `stride` bins, so that consecutive equal bins do not wait on each
// other's stores). Stops at a NaN value (the kernel's error then).
template <int W, typename T>
OPBRIDGE_HISTOGRAM_INLINE RangeFlags CountRange(const Binning<T>& b, const T* v, int64_t begin, int64_t end,
                                                int64_t* counts, int copies, int64_t stride) {
  RangeFlags flags;
  int32_t bins[kBlock];
  for (int64_t start = begin; start < end; start += kBlock) {
    const int64_t n = std::min(kBlock, end - start);
    bool sure = false, nan = false;
    if constexpr (std::is_same_v<T, float>) {
      if (b.fast_float) sure = FloatBins<W>(b, v + start, n, bins, &nan);
    }
    if (!b.fast_float) nan = AnyNan(v + start, n);
    if (nan) {
      flags.nan_value = true;
      return flags;
    }
    if (!sure && !(b.fast && FastBins<W>(b, v + start, n, bins)) && ExactBins(b, v + start, n, bins)) {
      if (flags.nan_index_at < 0) flags.nan_index_at = start;
      continue;
    }
    int64_t i = 0;
    if (copies == 4) {
      for (; i + 4 <= n; i += 4) {
        ++counts[bins[i]];
        ++counts[stride + bins[i + 1]];
        ++counts[2 * stride + bins[i + 2]];
        ++counts[3 * stride + bins[i + 3]];
      }
    }
    for (; i < n; ++i) ++counts[bins[i]];
  }
  return flags;
}

template <typename T>
RangeFlags CountRangeBaseline(const Binning<T>& b, const T* v, int64_t begin, int64_t end, int64_t* counts,
                              int copies, int64_t stride) {
  return CountRange<16>(b, v, begin, end, counts, copies, stride);
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"))) RangeFlags CountRangeAvx2(const Binning<T>& b, const T* v, int64_t begin,
                                                          int64_t end, int64_t* counts, int copies,
                                                          int64_t stride) {
  return CountRange<32>(b, v, begin, end, counts, copies, stride);
}
#endif

// out + count in Tout's width, wrapping as TF's increments of an int32 would.
template <typename Tout>
Tout AddCount(Tout out, int64_t count) {
  using U = std::make_unsigned_t<Tout>;
  return static_cast<Tout>(static_cast<U>(static_cast<U>(out) + static_cast<U>(count)));
}

// Bins up to this many get per-thread, 4-way interleaved counts; more are
// counted on one thread straight into one histogram.
constexpr int32_t kLocalBins = 1 << 14;

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
  for (int32_t i = 0; i < nbins; ++i) out[i] = Tout(0);
  if (nbins == 1) {
    out[0] = static_cast<Tout>(n);
    return Status::Ok();
  }
  Binning<T> b;
  b.lo = lo;
  b.hi = hi;
  b.low = static_cast<double>(lo);
  b.step = static_cast<double>(hi) / static_cast<double>(nbins) - static_cast<double>(lo) / static_cast<double>(nbins);
  b.last = static_cast<double>(nbins - 1);
  const double inv = 1.0 / b.step;
  b.inv_below = inv * (1.0 - 0x1p-50);
  b.inv_above = inv * (1.0 + 0x1p-50);
  // A normal step (the kernels may run with denormals flushed: a quotient
  // whose dividend is flushed is then under 1 on both sides) and a normal,
  // finite reciprocal.
  b.fast = std::isfinite(b.low) && std::isfinite(static_cast<double>(hi)) && std::isfinite(b.step) &&
           b.step >= std::numeric_limits<double>::min() && std::isfinite(b.inv_above) &&
           b.inv_below >= std::numeric_limits<double>::min();
  b.inv_below_f = static_cast<float>(inv * (1.0 - 0x1p-20));
  b.inv_above_f = static_cast<float>(inv * (1.0 + 0x1p-20));
  b.fast_float = false;
  if constexpr (std::is_same_v<T, float>) {
    // The same in float: x_f = c - lo flushed to 0 (under float's smallest
    // normal) then means TF's q = x / step < 1 as well.
    b.fast_float = b.fast && nbins <= (1 << 24) && std::isfinite(hi - lo) &&
                   b.step >= std::numeric_limits<float>::min() && std::isfinite(b.inv_above_f) &&
                   b.inv_below_f >= std::numeric_limits<float>::min();
  }

  auto count_range = CountRangeBaseline<T>;
#if defined(__x86_64__)
  if (math::UseAvx2()) count_range = CountRangeAvx2<T>;
#endif
  // Counts are integers: any split and any order of the increments give the
  // same totals. Each range merges its own counts under the lock.
  const bool local = nbins <= kLocalBins;
  const int copies = local ? 4 : 1;
  std::mutex mutex;
  RangeFlags flags;
  std::vector<int64_t> shared(local ? 0 : static_cast<size_t>(nbins));
  auto run = [&](int64_t begin, int64_t end) {
    std::vector<int64_t> own(local ? static_cast<size_t>(copies) * static_cast<size_t>(nbins) : 0);
    int64_t* counts = local ? own.data() : shared.data();
    const RangeFlags found = count_range(b, v, begin, end, counts, copies, nbins);
    std::lock_guard<std::mutex> lock(mutex);
    flags.nan_value |= found.nan_value;
    if (found.nan_index_at >= 0 && (flags.nan_index_at < 0 || found.nan_index_at < flags.nan_index_at)) {
      flags.nan_index_at = found.nan_index_at;
    }
    if (!local) return;
    for (int c = 0; c < copies; ++c) {
      for (int32_t i = 0; i < nbins; ++i) out[i] = AddCount(out[i], own[static_cast<size_t>(c) * nbins + i]);
    }
  };
  if (local) {
    ctx.ParallelFor(n, 3, run, kBlock);
  } else {
    run(0, n);
    for (int32_t i = 0; i < nbins; ++i) out[i] = AddCount(out[i], shared[static_cast<size_t>(i)]);
  }
  if (flags.nan_value) return Errorf("Histogram values must not contain NaN");
  if (flags.nan_index_at >= 0) {
    int64_t i = flags.nan_index_at;
    for (; i < n; ++i) {
      if (std::isnan((static_cast<double>(Clamp(v[i], lo, hi)) - b.low) / b.step)) break;
    }
    return Errorf("value ", TfNumber(v[i < n ? i : 0]), " of input 'values' falls in no bin of value_range [",
                  TfNumber(lo), ", ", TfNumber(hi), "] with nbins ", nbins,
                  " (its bin index is NaN; TF's kernel would index out of bounds)");
  }
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
