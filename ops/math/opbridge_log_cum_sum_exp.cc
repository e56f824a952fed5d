// Opbridge>LogCumSumExp: torch.logcumsumexp, log(cumsum(exp(x))) along `axis`, as torch's CPU
// kernel computes it. litert-torch 0.10 has no lowering for aten.logcumsumexp; opbridge.convert
// rewrites it onto this op (python/opbridge/torch/aten_special.py).
//
// TF's CumulativeLogsumexp (cumulative_logsumexp.cc) is not torch's: it accumulates float in
// float (torch in double: measured, half of float32 outputs differ by an ulp or more), drops a
// NaN input in favour of the running value (torch: NaN from there on), and gives NaN for +inf
// followed by +inf (torch: +inf).
//
// torch's rule (logcumsumexp_cpu_kernel, ReduceOps.cpp; _log_add_exp_helper, LogAddExp.h): the
// running value starts at -inf, in the accumulation type (double for float and double, float for
// half and bfloat16), and each element x updates it as
//   lo = isnan(acc) ? acc : min(x, acc), hi = isnan(acc) ? acc : max(x, acc)  (std::min/max order)
//   acc = (lo != hi || isfinite(lo)) ? log1p(exp(lo - hi)) + hi : x
// then is rounded to T when stored. So a NaN sticks, and equal infinities pass through
// (-inf, -inf -> -inf; +inf, +inf -> +inf).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <Eigen/Core>

#include "../search/values_indices_axis.h"
#include "element_types.h"
#include "opbridge/op.h"

namespace opbridge {
namespace {

struct LogCumSumExpParams {
  int64_t axis = -1;
  // Accumulate float in float: torch's bfloat16 rule, for bfloat16 tensors, which TFLite has not,
  // brought in as float32 (exactly) and rounded to bfloat16 after.
  bool float_accumulator = false;

  static void Declare(ParamBinder& b, LogCumSumExpParams& p) {
    b.Attr("axis: int = -1", &p.axis);
    b.Attr("float_accumulator: bool = false", &p.float_accumulator);
  }
};

Status LogCumSumExpShape(ShapeContext& ctx, const LogCumSumExpParams& p) {
  const Shape& input = ctx.input(0);
  if (input.rank_known()) {
    int64_t resolved = 0;
    OPBRIDGE_RETURN_IF_ERROR(ResolveTorchAxis(p.axis, input.rank(), &resolved));
  }
  ctx.set_output(0, input);
  return Status::Ok();
}

// torch's accumulation type on the CPU (at::acc_type<T, false>).
template <typename T>
using Acc = std::conditional_t<std::is_same_v<T, float> || std::is_same_v<T, double>, double, float>;

// One step of torch's _log_add_exp_helper(x, acc).
template <typename A>
inline A Step(A x, A acc) {
  const bool acc_nan = std::isnan(acc);
  const A lo = acc_nan ? acc : (acc < x ? acc : x);
  const A hi = acc_nan ? acc : (x < acc ? acc : x);
  if (lo != hi || std::isfinite(lo)) return std::log1p(std::exp(lo - hi)) + hi;
  return x;
}

// Scans `width` adjacent lines (inner positions) of one outer block together, position by
// position along the axis, so that each step reads and writes contiguous memory and the lines'
// exp/log1p chains overlap in the CPU. A contiguous row is the case width = inner = 1.
template <typename T, typename A>
void ScanLines(const T* in, T* out, int64_t n, int64_t inner, int64_t width) {
  constexpr int64_t kMax = 64;
  A acc[kMax];
  for (int64_t l = 0; l < width; ++l) acc[l] = -std::numeric_limits<A>::infinity();
  for (int64_t k = 0; k < n; ++k) {
    const T* x = in + k * inner;
    T* y = out + k * inner;
    for (int64_t l = 0; l < width; ++l) {
      acc[l] = Step<A>(static_cast<A>(x[l]), acc[l]);
      y[l] = static_cast<T>(acc[l]);
    }
  }
}

template <typename T, typename A = Acc<T>>
Status Typed(KernelContext& ctx, int64_t outer, int64_t n, int64_t inner) {
  const T* in = ctx.input(0).data<T>();
  T* out = ctx.output(0).data<T>();
  if (outer * inner == 0 || n == 0) return Status::Ok();
  constexpr int64_t kChunk = 64;
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  ctx.ParallelFor(outer * chunks, n * std::min(inner, kChunk) * 20 + 1, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const int64_t first = (w % chunks) * kChunk;
      const int64_t base = (w / chunks) * n * inner + first;
      ScanLines<T, A>(in + base, out + base, n, inner, std::min(kChunk, inner - first));
    }
  });
  return Status::Ok();
}

Status LogCumSumExpKernel(KernelContext& ctx, const LogCumSumExpParams& p) {
  const ConstTensor& input = ctx.input(0);
  int64_t axis = 0;
  OPBRIDGE_RETURN_IF_ERROR(ResolveTorchAxis(p.axis, input.rank(), &axis));
  int64_t outer = 1, n = 1, inner = 1;
  for (int d = 0; d < input.rank(); ++d) {
    const int64_t size = input.dim(d);
    if (d < axis) outer *= size;
    if (d == axis) n = size;
    if (d > axis) inner *= size;
  }
  if (p.float_accumulator) {
    OPBRIDGE_REQUIRE(input.dtype() == DType::kFloat32, "float_accumulator needs float input, got ",
                     DTypeName(input.dtype()));
    return Typed<float, float>(ctx, outer, n, inner);
  }
  return math::DispatchElement<float, double, Eigen::half, Eigen::bfloat16>(
      input.dtype(), [&](auto tag) { return Typed<typename decltype(tag)::type>(ctx, outer, n, inner); });
}

OPBRIDGE_REGISTER_OP(OpSpec("Opbridge>LogCumSumExp")
                         .Origin(OpOrigin::kOpbridge)
                         .Doc("torch.logcumsumexp along axis: log(cumsum(exp(x))) with torch's rule "
                              "(accumulated in double for float; NaN sticks; equal infinities pass).")
                         .Input("x: T")
                         .Output("y: T")
                         .Params<LogCumSumExpParams>()
                         .Attr("T: {float, double, half, bfloat16}")
                         .ShapeRule(LogCumSumExpShape)
                         // torch keeps subnormal results and inputs
                         .KeepDenormals()
                         .Kernel(LogCumSumExpKernel));

}  // namespace
}  // namespace opbridge
