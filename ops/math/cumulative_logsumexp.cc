// CumulativeLogsumexp: TF's log(cumsum(exp(x))) along `axis`
// (tf.math.cumulative_logsumexp) with exclusive and reverse. TFLite has no
// such builtin, so the converter leaves CUSTOM "CumulativeLogsumexp"
// {T, Tidx, exclusive, reverse} in every dtype (measured, float32 and
// float64: no kernel before this one).
//
// As TF's scan (scan_ops.h, LogSumExpReducer): the running value starts at
// -inf and each step is
//   mi = min(acc, x), ma = max(acc, x)          (std::min/std::max order)
//   acc = ma < lowest ? ma : log1p(exp(mi - ma)) + ma
// so a NaN input is dropped in favour of the running value (which then gains
// log 2), and +inf followed by +inf gives NaN, as TF does.
//
// TF's scan calls the scalar functions (std::exp, std::log1p) on every
// line, whatever the axis: its packet form (pexp, plog1p, a last bit apart)
// is never taken (measured: a scalar loop reproduces TF's float64 bits along
// the first and the last axis). half and bfloat16 compute in float and round
// after every operation, as Eigen's half and bfloat16 operators do.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <Eigen/Core>

#include "element_types.h"
#include "scan_axis.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

// The type each step computes in: half and bfloat16 in float.
template <typename T>
using Compute = std::conditional_t<std::is_same_v<T, double>, double, float>;

// v rounded to T (a no-op for float and double).
template <typename T, typename C>
inline C Round(C v) {
  if constexpr (std::is_same_v<T, C>) {
    return v;
  } else {
    return static_cast<C>(static_cast<T>(v));
  }
}

// One step of TF's LogSumExp(acc, x).
template <typename T>
inline Compute<T> Step(Compute<T> acc, Compute<T> x) {
  using C = Compute<T>;
  const C mi = x < acc ? x : acc;
  const C ma = acc < x ? x : acc;
  const C e = Round<T>(std::exp(Round<T>(mi - ma)));
  const C l = Round<T>(std::log1p(e));
  const C lowest = static_cast<C>(Eigen::NumTraits<T>::lowest());
  return ma < lowest ? ma : Round<T>(l + ma);
}

Status Kernel(KernelContext& ctx, const math::ScanParams& p) {
  const ConstTensor& x = ctx.input(0);
  int64_t outer = 0, n = 0, inner = 0;
  OPBRIDGE_RETURN_IF_ERROR(math::PlanScan(x, ctx.input(1), &outer, &n, &inner));
  return math::DispatchElement<double, float, Eigen::half, Eigen::bfloat16>(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    // Lines in blocks of up to kBlock adjacent ones, scanned together step by
    // step: the values of one step of the block are contiguous (a line by
    // itself walked the axis `inner` elements apart). Where blocks are
    // narrower than kBlock (the last axis: one line per block), the lines of
    // consecutive blocks join the scan up to kBlock lanes: each step's
    // exp/log1p calls then belong to independent lines and overlap in the
    // CPU, where one line's calls waited on each other (f64 [1024, 256]
    // axis 1 took TF's time, whose scan is the same serial chain per line).
    // Each line's steps are the same, so the bits are.
    constexpr int64_t kBlock = 16;
    const int64_t blocks = (inner + kBlock - 1) / kBlock;
    const int64_t step = p.reverse ? -inner : inner, start = p.reverse ? (n - 1) * inner : 0;
    ctx.ParallelFor(outer * blocks, n * std::min(inner, kBlock) * 20 + 1, [&](int64_t begin, int64_t end) {
      using C = Compute<T>;
      C acc[kBlock];
      int64_t line[kBlock];  // each lane's first element along the scan
      for (int64_t u = begin; u < end;) {
        int64_t lanes = 0;
        for (; u < end; ++u) {
          const int64_t o = u / blocks, first = (u % blocks) * kBlock;
          const int64_t width = std::min(kBlock, inner - first);
          if (lanes + width > kBlock) break;
          for (int64_t l = 0; l < width; ++l) line[lanes + l] = o * n * inner + first + l + start;
          lanes += width;
        }
        for (int64_t l = 0; l < lanes; ++l) acc[l] = -std::numeric_limits<C>::infinity();
        for (int64_t k = 0; k < n; ++k) {
          const int64_t at = k * step;
          for (int64_t l = 0; l < lanes; ++l) {
            const int64_t i = line[l] + at;
            if (p.exclusive) out[i] = static_cast<T>(acc[l]);
            acc[l] = Step<T>(acc[l], static_cast<C>(in[i]));
            if (!p.exclusive) out[i] = static_cast<T>(acc[l]);
          }
        }
      }
    });
    return Status::Ok();
  });
}

OPBRIDGE_REGISTER_OP(OpSpec("CumulativeLogsumexp")
                         .Origin(OpOrigin::kTensorFlow)
                         .Doc("log(cumsum(exp(x))) along an axis, with exclusive and reverse "
                              "(tf.math.cumulative_logsumexp).")
                         .Input("x: T")
                         .Input("axis: Tidx")
                         .Output("out: T")
                         .Params<math::ScanParams>()
                         .Attr("T: {bfloat16, half, float, double}")
                         .Attr("Tidx: {int32, int64} = DT_INT32")
                         .ShapeRule(SameShapeAsInput0)
                         .Kernel(Kernel));

}  // namespace
}  // namespace opbridge
