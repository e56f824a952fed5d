// InTopKV2: whether each row's target class is among the row's k largest
// predictions (tf.math.in_top_k, tf.nn.in_top_k). TFLite has no kernel: the
// converter emits CUSTOM "InTopKV2" with options {T}.
//
//   predictions [batch, classes] float, targets [batch] T, k scalar T
//     -> precision [batch] bool.
//
// TF's CPU kernel, as measured: row i is true when its target is in
// [0, classes), every prediction of the row is finite, and fewer than k
// predictions are strictly greater than the target's (so ties are all in,
// k <= 0 gives false, k >= classes gives true). An out-of-range target or a
// NaN or infinite prediction anywhere in the row gives false, not an error.
// Errors as TF's kernel: k not a scalar, predictions not 2-D, targets not
// 1-D, their first dims differing.
//
// Speed: a row is one pass of vector compares (greater than the target's,
// finite) with the counts kept per lane, 16-byte vectors on the baseline
// (SSE2, NEON) and 32-byte ones in an AVX2 copy; the scalar loop GCC made of
// std::isfinite and an int64 count was 3x TF's time.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../math/avx2_dispatch.h"
#include "../math/simd_cols.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

Status InTopKShape(ShapeContext& ctx) {
  // TF's kernel checks ranks with its own messages; the output is one flag
  // per target.
  const Shape& targets = ctx.input(1);
  ctx.set_output(0, targets.rank_known() && targets.rank() == 1 ? Shape({targets.dim(0)}) : Shape({kUnknownDim}));
  if (!targets.rank_known() || targets.rank() != 1) ctx.set_output_dynamic(0);
  return Status::Ok();
}

#define OPBRIDGE_IN_TOP_K_INLINE __attribute__((always_inline)) inline

// Counts the values of row[0 .. n) strictly greater than `mine` into *greater;
// returns whether all are finite. W-byte vectors of floats, a count per lane
// (-1 per true compare); a lane's int32 count is folded into the int64 total
// every 2^30 values, so it cannot overflow.
template <int W>
OPBRIDGE_IN_TOP_K_INLINE bool ScanRow(const float* row, int64_t n, float mine, int64_t* greater) {
  using V = typename math::Cols<float, W>::type;
  using U = typename math::Cols<float, W>::unaligned;
  using I = typename math::Cols<int32_t, W>::type;
  constexpr int L = math::Cols<float, W>::kWidth;
  constexpr int64_t kFold = int64_t{1} << 30;
  const V m = V{} + mine;
  I bad = {};
  int64_t total = 0, c = 0;
  auto step = [&](I& count, int64_t at) {
    const V x = *reinterpret_cast<const U*>(row + at);
    count += x > m;  // -1 where greater
    // |x| above the largest finite float's bits: inf or NaN.
    bad |= ((I)x & 0x7fffffff) > 0x7f7fffff;
  };
  while (c + L <= n) {
    I count = {};
    const int64_t stop = c + std::min(kFold, (n - c) / L * L);
    for (; c + 2 * L <= stop; c += 2 * L) {  // two vectors a step: half the loop overhead
      step(count, c);
      step(count, c + L);
    }
    if (c < stop) step(count, c), c += L;
    for (int l = 0; l < L; ++l) total -= count[l];
  }
  bool finite = true;
  for (int l = 0; l < L; ++l) finite &= bad[l] == 0;
  for (; c < n; ++c) {
    finite &= std::isfinite(row[c]);
    total += row[c] > mine;
  }
  *greater = total;
  return finite;
}

struct InTopKJob {
  const float* pred;
  int64_t classes, k;
};

template <int W, typename T>
OPBRIDGE_IN_TOP_K_INLINE void Rows(const InTopKJob& job, const T* target, bool* out, int64_t begin, int64_t end) {
  const int64_t classes = job.classes;
  for (int64_t r = begin; r < end; ++r) {
    const float* row = job.pred + r * classes;
    const auto t = static_cast<int64_t>(target[r]);
    if (t < 0 || t >= classes || !std::isfinite(row[t])) {
      out[r] = false;
      continue;
    }
    int64_t greater = 0;
    const bool finite = ScanRow<W>(row, classes, row[t], &greater);
    out[r] = finite && greater < job.k;
  }
}

template <typename T>
void RowsBaseline(const InTopKJob& job, const T* target, bool* out, int64_t begin, int64_t end) {
  Rows<16>(job, target, out, begin, end);
}

#if defined(__x86_64__)
template <typename T>
__attribute__((target("avx2"))) void RowsAvx2(const InTopKJob& job, const T* target, bool* out, int64_t begin,
                                              int64_t end) {
  Rows<32>(job, target, out, begin, end);
}
#endif

template <typename T>
Status InTopK(KernelContext& ctx) {
  const ConstTensor& predictions = ctx.input(0);
  const InTopKJob job{predictions.data<float>(), predictions.dim(1), static_cast<int64_t>(*ctx.input(2).data<T>())};
  const T* target = ctx.input(1).data<T>();
  bool* out = ctx.output(0).data<bool>();
  auto rows = RowsBaseline<T>;
#if defined(__x86_64__)
  if (math::UseAvx2()) rows = RowsAvx2<T>;
#endif
  ctx.ParallelFor(predictions.dim(0), job.classes / 4 + 10,
                  [&](int64_t begin, int64_t end) { rows(job, target, out, begin, end); });
  return Status::Ok();
}

Status InTopKKernel(KernelContext& ctx) {
  const ConstTensor& predictions = ctx.input(0);
  const ConstTensor& targets = ctx.input(1);
  const ConstTensor& k = ctx.input(2);
  OPBRIDGE_REQUIRE(k.rank() == 0, "k must be 0-D, got shape ", k.shape().ToString());
  OPBRIDGE_REQUIRE(predictions.rank() == 2, "predictions must be 2-dimensional");
  OPBRIDGE_REQUIRE(targets.rank() == 1, "targets must be 1-dimensional");
  OPBRIDGE_REQUIRE(predictions.dim(0) == targets.dim(0), "First dimension of predictions ", predictions.dim(0),
                   " must match length of targets ", targets.dim(0));
  OPBRIDGE_REQUIRE(k.dtype() == targets.dtype(), "inputs 'targets' and 'k' differ in dtype: ",
                   DTypeName(targets.dtype()), ", ", DTypeName(k.dtype()));
  if (!ctx.output(0).shape().rank_known()) OPBRIDGE_RETURN_IF_ERROR(ctx.AllocateOutput(0, Shape({targets.dim(0)})));
  return Dispatch<int32_t, int64_t>(targets.dtype(), [&](auto tag) { return InTopK<typename decltype(tag)::type>(ctx); });
}

OPBRIDGE_REGISTER_OP(OpSpec("InTopKV2")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("Whether each target class is among its row's k largest predictions; ties count in, "
                              "non-finite rows and out-of-range targets give false (tf.math.in_top_k).")
                         .Input("predictions: float")
                         .Input("targets: T")
                         .Input("k: T")
                         .Output("precision: bool")
                         .Attr("T: {int32, int64} = DT_INT32")
                         .ShapeRule(InTopKShape)
                         .Kernel(InTopKKernel));

}  // namespace
}  // namespace opbridge
